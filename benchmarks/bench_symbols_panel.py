"""The monitor's symbols panel at 10,000 registry symbols (issue 20, point 5): from the
refresh to the rows drawn, offscreen.

    QT_QPA_PLATFORM=offscreen python3 -m benchmarks.bench_symbols_panel [--symbols N]
        [--repeats 3] [--no-baseline]

A SQLite store is seeded through the store's own bulk writes (``SqliteRegistry.put_many``,
``SqliteRepository.write_many``): N registry symbols (1m; one in 100 in extended hours),
and for each the 22 sessions of April 2024 in its ledger: a final span over its session
and the session's first bar, except one ticker-day in 101 (a gap) and, for one symbol in
7, only the session's first half. It is served by ``chronox-cli serve`` in a process of
its own (warmed by one panel refresh). Each repeat times, in a fresh panel:

- **the panel** (chronox): ``SymbolsPresenter.refresh`` of April 2024 in 1m (the
  registry in pages of 1,000, one ``GET /coverage/matrix?rows=session&cells=false`` per
  session kind: the rows' counts, no bar read) and ``SymbolsPanel.show_rows``, then
  ``grab()`` (a full render);
- its parts: the registry's pages alone, the matrix requests alone, the rows drawn alone;
- the **baseline** (once: minutes at 10,000): the panel as it was, one
  ``GET /coverage/{symbol}/summary`` per registry symbol and a ``QTableWidget`` of an
  item per cell.

Checked: every registry symbol is listed with the coverage % its seed implies, and equal
to what the per-symbol summaries say. Target: < 2 s at 10,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.ports import TradingCalendar
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import Session, SessionKind
from chronox_domain.timeframe import Timeframe

MONTH = (date(2024, 4, 1), date(2024, 4, 30))
TARGET_SECONDS = 2.0
#: One symbol in ETH_EVERY is registered for extended hours; one ticker-day in ABSENT
#: is a gap; one symbol in HALF_EVERY has only the first half of each session.
ETH_EVERY, ABSENT, HALF_EVERY = 100, 101, 7
SOURCE = "flatfiles"
M1 = Timeframe.M1


def tickers(count: int) -> list[str]:
    """``count`` distinct four-letter symbols (AAAA, AAAB, ...)."""
    names = []
    for number in range(count):
        letters, rest = "", number
        for _ in range(4):
            rest, digit = divmod(rest, 26)
            letters = chr(ord("A") + digit) + letters
        names.append(letters)
    return names


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the store holds, and the coverage % each symbol must show."""

    names: list[str]
    sessions: dict[str, str]
    percent: dict[str, float]


def seed(path: str, calendar: TradingCalendar, count: int) -> Seeded:
    """The registry and its ledgers, written by the store's bulk writes."""
    from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository

    names = tickers(count)
    kinds = {n: "eth" if i % ETH_EVERY == 1 else "rth" for i, n in enumerate(names)}
    days = {
        kind: calendar.sessions(*MONTH, SessionKind(kind)) for kind in ("rth", "eth")
    }  # fmt: skip
    database = SqliteDatabase(path)
    try:
        SqliteRegistry(database).put_many(
            [SymbolEntry(n, (M1,), SessionKind(kinds[n])) for n in names]
        )
        repository = SqliteRepository(database)
        percent = {}
        for chunk in _chunks(list(enumerate(names)), 1_000):
            batches = []
            for i, name in chunk:
                batch, percent[name] = _ledger(i, name, days[kinds[name]])
                batches.append(batch)
            repository.write_many(batches)
    finally:
        database.close()
    return Seeded(names, kinds, percent)


def _ledger(i: int, name: str, days: Sequence[Session]) -> tuple[BarBatch, float]:
    spans, bars, covered, owed = [], [], 0, 0
    for n, day in enumerate(days):
        slots = int((day.close - day.open) / M1.step)
        owed += slots
        if (i + n) % ABSENT == 0:
            continue
        end = day.close if i % HALF_EVERY else day.open + M1.step * (slots // 2)
        spans.append(CoverageSpan(Interval(day.open, end), CoverageStatus.FINAL, SOURCE))
        bars.append(Bar(name, M1, day.open, 10.0, 10.5, 9.5, 10.2, 100.0, 10.1, 3))
        covered += int((end - day.open) / M1.step)
    return BarBatch(name, M1, bars, SOURCE, None, spans), 100 * covered / owed


def _chunks(items: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the two panels ----------------------------------------------------------------------


def refresh_panel(
    client: ChronoxClient,
) -> tuple[float, float, int, dict[str, float | None]]:
    """(seconds from the refresh to the rows drawn, of which drawing them, rows shown,
    percent by symbol)."""
    from chronox_entrypoints.gui.presenters import SymbolsPresenter
    from chronox_entrypoints.gui.views.symbols import SymbolsPanel

    panel = SymbolsPanel()
    panel.resize(420, 900)
    panel.show()
    try:
        began = time.perf_counter()
        rows = SymbolsPresenter(client).refresh("1m", *MONTH)
        fetched = time.perf_counter()
        panel.show_rows(rows, current=rows[0].symbol)
        panel.grab()
        done = time.perf_counter()
        shown = {row.symbol: row.percent for row in rows}
        return done - began, done - fetched, panel.model.rowCount(), shown
    finally:
        panel.close()
        panel.deleteLater()


def refresh_the_old_way(client: ChronoxClient) -> tuple[float, dict[str, float | None]]:
    """BASELINE: one summary per registry symbol, a QTableWidget item per cell."""
    from PySide6.QtWidgets import QTableWidgetItem

    from chronox_entrypoints.gui.views.tables import row_table

    table = row_table(("Symbol", "Session", "Coverage", "State"))
    table.resize(420, 900)
    table.show()
    try:
        began = time.perf_counter()
        found = {}
        entries = list(client.all_symbols())
        for entry in entries:
            summary = client.coverage_summary(entry.symbol, "1m", *MONTH, session=entry.session)
            found[entry.symbol] = summary.percent
        table.setRowCount(len(entries))
        for i, entry in enumerate(entries):
            shown = found[entry.symbol]
            cells = (entry.symbol, entry.session, "-" if shown is None else f"{shown:.1f} %",
                     "active")  # fmt: skip
            for j, text in enumerate(cells):
                table.setItem(i, j, QTableWidgetItem(text))
        table.grab()
        return time.perf_counter() - began, found
    finally:
        table.close()
        table.deleteLater()


def parts(client: ChronoxClient) -> dict[str, float]:
    """The panel's parts, each timed alone: the registry's pages, the matrix requests."""
    from chronox_entrypoints.gui.presenters.range_coverage import RangeCoverage
    from chronox_entrypoints.gui.presenters.symbols import REGISTRY_PAGE

    began = time.perf_counter()
    entries = list(client.all_symbols(limit=REGISTRY_PAGE))
    listed = time.perf_counter() - began
    began = time.perf_counter()
    coverage = RangeCoverage(client, "1m", *MONTH)
    for kind in dict.fromkeys(entry.session for entry in entries):
        coverage.of_registry(kind)
    return {"registry": listed, "matrix": time.perf_counter() - began}


def check(seeded: Seeded, shown: dict[str, float | None], label: str) -> None:
    assert set(shown) == set(seeded.names), f"{label}: not every registry symbol listed"
    for name in seeded.names:
        got = shown[name]
        assert got is not None and abs(got - seeded.percent[name]) < 1e-3, (label, name, got)


# --- all of it ---------------------------------------------------------------------------


def run(symbols: int, repeats: int, baseline: bool, say: bool = True) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    from benchmarks.bench_api import serving
    from chronox_adapters.calendars import ExchangeCalendar

    app = QApplication.instance() or QApplication([])
    figures: dict[str, object] = {"symbols": symbols}
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "panel.sqlite3")
        began = time.perf_counter()
        seeded = seed(path, ExchangeCalendar(), symbols)
        figures["seed_seconds"] = time.perf_counter() - began
        if say:
            print(f"store: {symbols:,} symbols seeded in {figures['seed_seconds']:.1f} s")
        with (
            serving(f"sqlite:///{path}", folder) as (base, _pid),
            ChronoxClient(ChronoxApiConfig(base, read_timeout=600, deadline=3600)) as client,
        ):
            refresh_panel(client)  # warms the server
            panel, drawn, split = [], [], []
            for _ in range(repeats):
                elapsed, drawing, rows, shown = refresh_panel(client)
                check(seeded, shown, "panel")
                assert rows == symbols, rows
                panel.append(elapsed)
                drawn.append(drawing)
                split.append(parts(client))
                app.processEvents()
            figures["panel"] = panel
            figures["drawn"] = drawn
            figures["registry"] = [p["registry"] for p in split]
            figures["matrix"] = [p["matrix"] for p in split]
            if baseline:
                elapsed, shown = refresh_the_old_way(client)
                check(seeded, shown, "baseline")
                figures["baseline"] = [elapsed]
    report(figures, say)
    return figures


def report(figures: dict[str, object], say: bool) -> None:
    def median(name: str) -> float:
        values = figures.get(name)
        assert isinstance(values, list)
        return float(statistics.median(values))

    panel = median("panel")
    met = "met" if panel < TARGET_SECONDS else "MISSED"
    lines = [
        f"symbols panel, {figures['symbols']:,} registry symbols, 1m, April 2024 (22 "
        f"sessions), {len(figures['panel'])} repeats (median):",  # type: ignore[arg-type]
        f"  refresh to rows drawn: {panel:.2f} s (target < {TARGET_SECONDS:.0f} s: {met})",
        f"  of which, timed alone: the registry's pages {median('registry'):.2f} s, "
        f"the matrix requests {median('matrix'):.2f} s; the rows drawn (model and "
        f"render, in the refresh) {median('drawn') * 1000:.0f} ms",
    ]
    if "baseline" in figures:
        old = median("baseline")
        lines.append(
            f"  before (a summary request per symbol, an item per cell): {old:.2f} s, "
            f"{old / panel:.0f}x the panel's time"
        )
    if say:
        print("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    run(args.symbols, args.repeats, baseline=not args.no_baseline)


if __name__ == "__main__":
    main()
