"""Research in notebooks (issue 14): chronox against what a researcher would write.

    python3 benchmarks/bench_research.py            # a symbol-year, 1,000,000 bars exported
    python3 benchmarks/bench_research.py --quick    # small sizes: correctness checks only
    python3 benchmarks/bench_research.py --json out.json

* ``cx.bars`` for a symbol-year of 1m bars into a pandas DataFrame, against
  ``pandas.read_sql_query`` of the same rows from the same table: on SQLite (the start
  turned into a UTC index, as the frame has), and on PostgreSQL over psycopg (when the
  server of ``CHRONOX_BENCH_PG`` is reachable; a throwaway database, dropped after);
* ``check_frame`` on that symbol-year against a naive pandas ``reindex`` on every
  expected slot;
* writing 1,000,000 bars as a dataset partition (Arrow conversion, zstd, temporary file,
  fsync, rename, manifest) against ``pyarrow.parquet.write_table`` of the same rows
  (zstd too), and, for information, the whole ``export`` of the symbol-year from SQLite
  (read, fingerprint, write) against ``write_table`` of its rows.

Each figure is a ratio of two things timed in this run, in alternation (see
``benchmarks/timing.py``). Both sides must produce the same data, or the run fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on the path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import sqlite3
import tempfile
import warnings
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchmarks.report import text_table
from benchmarks.timing import Comparison, Figure, compare, seconds
from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.frames import check_frame, to_arrow
from chronox_adapters.frames.dataset import ParquetDataset
from chronox_domain.columns import BarColumns
from chronox_domain.interval import Interval
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.notebook import Chronox, connect

READ_TARGET = 1.0
CHECK_TARGET_SECONDS = 0.050
EXPORT_TARGET = 1.5
SELECT = (
    "SELECT start, open, high, low, close, volume, vwap, trades FROM bars_1m "
    "WHERE symbol = {p} AND start >= {p} AND start < {p} ORDER BY start"
)


@dataclass(frozen=True, slots=True)
class Sizes:
    first: str  # the session dates of the symbol-year
    last: str
    exported: int  # bars of the export benchmark
    repeats: int


FULL = Sizes("2024-01-02", "2024-12-31", 1_000_000, 7)
QUICK = Sizes("2024-11-25", "2024-11-29", 20_000, 1)


def timings(rows: int, timed: Comparison) -> dict[str, float]:
    """A figure's raw numbers, for ``--json``."""
    return {"rows": rows, "baseline_s": timed.baseline.median, "chronox_s": timed.chronox.median}


@contextmanager
def stocked(url: str, sizes: Sizes) -> Iterator[Chronox]:
    """A store at ``url`` holding SPY's 1m regular-hours bars of the range (synthetic)."""
    with connect(url, source="synthetic", redis_url="") as cx:
        cx.ingest("SPY", sizes.first, sizes.last)
        yield cx


def year_bounds(sizes: Sizes) -> tuple[datetime, datetime]:
    first = date.fromisoformat(sizes.first)
    last = date.fromisoformat(sizes.last)
    return datetime(first.year, 1, 1, tzinfo=UTC), datetime(last.year + 1, 1, 1, tzinfo=UTC)


def same_bars(chronox: pd.DataFrame, peer: pd.DataFrame, what: str) -> None:
    peer_index = pd.DatetimeIndex(peer.index).as_unit("ns")
    if not (chronox.index.equals(peer_index) and len(chronox) > 0):
        raise SystemExit(f"{what}: chronox and the peer read different bars")
    for name in ("open", "high", "low", "close", "volume", "vwap"):
        if not np.array_equal(chronox[name].to_numpy(), peer[name].to_numpy(dtype=float)):
            raise SystemExit(f"{what}: column {name} differs")


def read_figure(benchmark: str, what: str, cx: Chronox, peer: object, sizes: Sizes) -> Figure:
    def ours() -> pd.DataFrame:
        frame: pd.DataFrame = cx.bars("SPY", sizes.first, sizes.last)
        return frame

    same_bars(ours(), peer(), what)  # type: ignore[operator]
    timed = compare(peer, ours, sizes.repeats)  # type: ignore[arg-type]
    rows = len(ours())
    ratio = timed.slowdown
    return Figure(
        benchmark,
        f"{what}: {rows:,} 1m bars into pandas",
        f"read_sql_query {seconds(timed.baseline.median)}",
        f"cx.bars {seconds(timed.chronox.median)}",
        ratio,
        "the peer's time",
        f"<= {READ_TARGET}x",
        ratio <= READ_TARGET,
        timings(rows, timed),
    )


def sqlite_read(cx: Chronox, path: Path, sizes: Sizes) -> Figure:
    lo, hi = (int(moment.timestamp()) for moment in year_bounds(sizes))
    db = sqlite3.connect(path)

    def peer() -> pd.DataFrame:
        frame = pd.read_sql_query(SELECT.format(p="?"), db, params=("SPY", lo, hi))
        frame["start"] = pd.to_datetime(frame["start"], unit="s", utc=True)
        return frame.set_index("start")

    try:
        return read_figure("research-read", "SQLite", cx, peer, sizes)
    finally:
        db.close()


def postgres_read(sizes: Sizes) -> Figure | str:
    """The PostgreSQL figure, or why it was not measured."""
    from benchmarks import bench_postgres

    admin = bench_postgres.admin_url()
    reason = bench_postgres.unavailable(admin)
    if reason is not None:
        return f"PostgreSQL skipped: {reason}"
    import psycopg

    lo, hi = year_bounds(sizes)
    with bench_postgres.throwaway_database(admin) as conninfo:
        name = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
        url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))  # connect() takes a URL
        with stocked(url, sizes) as cx, psycopg.connect(conninfo) as conn:

            def peer() -> pd.DataFrame:
                with warnings.catch_warnings():  # pandas prefers SQLAlchemy; a researcher
                    warnings.simplefilter("ignore", UserWarning)  # passes psycopg all the same
                    return pd.read_sql_query(
                        SELECT.format(p="%s"), conn, params=("SPY", lo, hi), index_col="start"
                    )

            return read_figure("research-read", "PostgreSQL", cx, peer, sizes)


def expected_of(calendar: ExchangeCalendar, sizes: Sizes) -> list[Interval]:
    first, last = date.fromisoformat(sizes.first), date.fromisoformat(sizes.last)
    return expected_windows(calendar.sessions(first, last, SessionKind.RTH), Timeframe.M1)


def naive_missing(frame: pd.DataFrame, windows: list[Interval]) -> pd.Index:
    """The naive peer (tests/unit/test_frames_check.py's): every expected slot, minute by
    minute, reindex, keep the empty rows."""
    slots = [
        w.start + timedelta(minutes=i)
        for w in windows
        for i in range((w.end - w.start) // timedelta(minutes=1))
    ]
    full = frame.reindex(pd.DatetimeIndex(slots).as_unit("ns"))
    return full.index[full["close"].isna()]


def ranged_missing(frame: pd.DataFrame, windows: list[Interval]) -> pd.Index:
    """The careful peer: the expected slots from pandas' own date ranges, then the same."""
    ranges = [pd.date_range(w.start, w.end, freq="1min", inclusive="left") for w in windows]
    slots = pd.DatetimeIndex(np.concatenate([r.as_unit("ns").asi8 for r in ranges]))
    full = frame.reindex(slots.tz_localize("UTC"))
    return full.index[full["close"].isna()]


def check_figures(cx: Chronox, calendar: ExchangeCalendar, sizes: Sizes) -> list[Figure]:
    frame = cx.bars("SPY", sizes.first, sizes.last, session="rth")
    windows = expected_of(calendar, sizes)
    report = check_frame(frame, "1m", "rth", calendar)
    found = sum(int(n) for n in report.missing["bars"])
    figures = []
    for name, peer in (("naive reindex", naive_missing), ("date_range reindex", ranged_missing)):
        if found != len(peer(frame, windows)):
            raise SystemExit(f"check_frame and the {name} disagree on the missing slots")
        timed = compare(
            partial(peer, frame, windows),
            lambda: check_frame(frame, "1m", "rth", calendar),
            sizes.repeats,
        )
        took = timed.chronox.median
        figures.append(
            Figure(
                "research-check",
                f"check_frame, {len(frame):,} 1m bars ({found} missing slots)",
                f"{name} {seconds(timed.baseline.median)}",
                f"check_frame {seconds(took)}",
                timed.speedup,
                "faster",
                f"< {CHECK_TARGET_SECONDS * 1e3:.0f} ms",
                took < CHECK_TARGET_SECONDS,
                timings(len(frame), timed),
            )
        )
    return figures


def million_bars(count: int) -> BarColumns:
    """``count`` 1m bars of a random walk, built as columns (no object per bar)."""
    rng = np.random.default_rng(14)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 5e-4, count)))
    spread = np.abs(rng.normal(0, 0.05, count))
    start = np.datetime64("2020-01-02T14:30", "ns") + np.arange(count) * np.timedelta64(60, "s")

    def doubles(values: np.ndarray) -> array[float]:
        column = array("d")
        column.frombytes(values.astype(np.float64).tobytes())
        return column

    def ints(values: np.ndarray) -> array[int]:
        column = array("q")
        column.frombytes(values.astype(np.int64).tobytes())
        return column

    return BarColumns(
        "SPY",
        Timeframe.M1,
        ints(start.view(np.int64)),
        doubles(close),
        doubles(close + spread),
        doubles(close - spread),
        doubles(close),
        doubles(rng.integers(100, 5000, count)),
        doubles(close),
        ints(rng.integers(1, 200, count)),
    )


def export_figure(sizes: Sizes, work: Path) -> Figure:
    columns = million_bars(sizes.exported)
    table = to_arrow(columns)
    dataset = ParquetDataset(work / "dataset")
    plain = work / "plain.parquet"
    key = "timeframe=1m/symbol=SPY/year=2020"

    def ours() -> None:
        dataset.write(key, columns, "fingerprint")

    ours()
    if not pq.read_table(work / "dataset" / key / "part-0.parquet").equals(table):
        raise SystemExit("the dataset's file does not hold the bars written")
    timed = compare(lambda: pq.write_table(table, plain, compression="zstd"), ours, sizes.repeats)
    return Figure(
        "research-export",
        f"{len(columns):,} bars to a dataset partition",
        f"write_table {seconds(timed.baseline.median)}",
        f"dataset {seconds(timed.chronox.median)}",
        timed.slowdown,
        "write_table's time",
        f"<= {EXPORT_TARGET}x",
        timed.slowdown <= EXPORT_TARGET,
        timings(len(columns), timed),
    )


def full_export_figure(cx: Chronox, sizes: Sizes, work: Path) -> Figure:
    """For information: the export use case end to end, every run a fresh dataset."""
    frame = cx.bars("SPY", sizes.first, sizes.last)
    table = to_arrow(cx.container.bars().table("SPY", Timeframe.M1, *year_bounds(sizes)).columns)
    runs = iter(range(10**6))

    def ours() -> None:
        report = cx.export("SPY", work / f"full-{next(runs)}")
        if report.rows_written != len(frame):
            raise SystemExit("the export wrote other bars than the store holds")

    timed = compare(
        lambda: pq.write_table(table, work / "year.parquet", compression="zstd"),
        ours,
        sizes.repeats,
    )
    return Figure(
        "research-export",
        f"export of a symbol-year from SQLite ({len(frame):,} bars)",
        f"write_table {seconds(timed.baseline.median)}",
        f"export {seconds(timed.chronox.median)}",
        timed.slowdown,
        "write_table's time",
        "n/a (reads the store)",
        None,
        timings(len(frame), timed),
    )


def run(sizes: Sizes) -> tuple[list[Figure], list[str]]:
    calendar = ExchangeCalendar("XNYS")
    figures: list[Figure] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chronox-bench-research-") as folder:
        work = Path(folder)
        path = work / "year.sqlite3"
        with stocked(f"sqlite:///{path}", sizes) as cx:
            figures.append(sqlite_read(cx, path, sizes))
            postgres = postgres_read(sizes)
            if isinstance(postgres, Figure):
                figures.append(postgres)
            else:
                notes.append(postgres)
            figures += check_figures(cx, calendar, sizes)
            figures.append(export_figure(sizes, work))
            figures.append(full_export_figure(cx, sizes, work))
    return figures, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures, notes = run(QUICK if args.quick else FULL)
    print(text_table(figures))
    for line in notes:
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(f) for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
