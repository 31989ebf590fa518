"""The ledger at universe scale (issues 20, 21 and 22): 10,000 registry symbols.

The stores hold what a month of the vendor's day files leaves in them (written straight
into the tables before any clock starts, as ``ingest --all --source flatfiles`` writes
them): for every registry symbol and each session of April 2024, one final span over the
extended session (source ``flatfiles``, the day's ETag) and its 09:30 minute bar; each
day 1 ticker in 101 is absent from the file (no span, no bar: a gap). ``--history``
also puts every session of 2023 in front of it (2.5 million more spans and bars, minutes
to write): what a store that has kept the universe for a year holds, to show that the
reads are bounded by the asked range.

* ``gaps``: ``chronox-cli gaps SYM1 ... SYM10000 --session eth`` over the month, called
  in-process (the CLI's ``main``, its container, the store, the scan), on SQLite and
  PostgreSQL; checked: exactly the absent (ticker, day) pairs are gaps. Target (issue
  20): < 2 s. Absolute times against the target: there is no second implementation to
  race; the code before the batched reads is measured by running this file against a
  ``git archive`` of it (docs/benchmarks.md says which).

* ``matrix`` (issue 21): ``GET /coverage/matrix`` of the whole registry over the month's
  last 20 sessions (extended hours), from ``chronox-cli serve`` on loopback (a process of
  its own, warmed by one request), the whole answer read by httpx; checked: every
  absent ticker-day is a gap, every other a hole (one bar of the 960 minutes). Target
  (issue 21): < 1 s.

* ``dense counts``: what the matrix's bar count costs when sessions hold every minute
  (the stores above hold one bar a session, the cheapest case): ``bar_counts`` of 200
  symbols x 20 regular sessions of full minutes (1,560,000 bars) on each store, and
  the same per 10,000 symbols, extrapolated (reported, no target).

Figures are reported, never asserted.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.timing import Figure, seconds
from chronox_domain.ports import TradingCalendar
from chronox_domain.session import Session, SessionKind
from chronox_domain.timeframe import Timeframe

#: The month the gap scan covers, and the year ``--history`` puts before it.
MONTH = (date(2024, 4, 1), date(2024, 4, 30))
HISTORY = (date(2023, 1, 1), date(2023, 12, 31))
SOURCE = "flatfiles"
#: Each day, the tickers whose (index + day number) % ABSENT == 0 are not in the file.
ABSENT = 101
TARGET_GAPS_SECONDS = 2.0
TARGET_MATRIX_SECONDS = 1.0
#: The sessions of the month the matrix shows: its last 20.
MATRIX_SESSIONS = 20


@dataclass(frozen=True, slots=True)
class Sizes:
    symbols: int = 10_000
    repeats: int = 3
    history: bool = False
    #: Also GET /coverage/matrix from a served API (needs the [api] extra and httpx).
    matrix: bool = True
    #: Symbols of full-minute sessions the dense bar count reads (0: none).
    dense: int = 200


FULL = Sizes()
QUICK = Sizes(symbols=300, repeats=1, dense=10)


def tickers(count: int) -> list[str]:
    """``count`` distinct registry symbols: four letters, some class shares (``ABCD.A``)."""
    names = []
    for number in range(count):
        letters, rest = "", number
        for _ in range(4):
            rest, digit = divmod(rest, 26)
            letters = chr(ord("A") + digit) + letters
        names.append(letters + (".A" if number % 397 == 5 else ""))
    return names


@dataclass(frozen=True, slots=True)
class Universe:
    """What the stores hold: the symbols, the month's sessions, the absent pairs."""

    names: list[str]
    month: list[Session]
    history: list[Session]

    def present(self, day_number: int) -> Iterator[str]:
        for i, name in enumerate(self.names):
            if (i + day_number) % ABSENT != 0:
                yield name

    @property
    def absent(self) -> int:
        every = len(self.names) * len(self.month)
        return every - sum(sum(1 for _ in self.present(n)) for n in range(len(self.month)))

    def days(self) -> Iterator[tuple[Session, list[str]]]:
        """Each session with the tickers its file holds: the history's all of them."""
        for session in self.history:
            yield session, self.names
        for number, session in enumerate(self.month):
            yield session, list(self.present(number))


def universe(calendar: TradingCalendar, sizes: Sizes) -> Universe:
    month = calendar.sessions(*MONTH, SessionKind.ETH)
    history = calendar.sessions(*HISTORY, SessionKind.ETH) if sizes.history else []
    return Universe(tickers(sizes.symbols), month, history)


# --- filling the stores (before any clock) ----------------------------------------------


def _rows(u: Universe) -> Iterator[tuple[str, Session, str, datetime]]:
    """(symbol, session, etag, its 09:30 minute) of every span and bar the stores hold."""
    for session, names in u.days():
        etag = f'"{session.date:%Y%m%d}"'
        bar = session.open + timedelta(hours=5, minutes=30)  # 04:00 + 5:30 = 09:30 New York
        for name in names:
            yield name, session, etag, bar


def fill_sqlite(path: str, u: Universe) -> int:
    from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry

    database = SqliteDatabase(path)
    try:
        SqliteRegistry(database).put_many([_entry(name) for name in u.names])
    finally:
        database.close()
    db = sqlite3.connect(path)
    with db:
        ledger, bars = [], []
        for name, session, etag, bar in _rows(u):
            lo, hi = int(session.open.timestamp()), int(session.close.timestamp())
            ledger.append((name, "1m", lo, hi, "final", SOURCE, None, None, etag))
            bars.append((name, int(bar.timestamp()), 10.0, 10.5, 9.5, 10.2, 100.0, 10.1, 3))
        db.executemany(
            'INSERT INTO coverage (symbol, timeframe, start, "end", status, source, '
            "answered_at, ticker, etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger,
        )
        db.executemany(
            "INSERT INTO bars_1m (symbol, start, open, high, low, close, volume, vwap, trades, "
            f"provisional, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '{SOURCE}')",
            bars,
        )
    # A settled store: the rows in the file, not in a large write-ahead log.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return len(ledger)


def fill_postgres(url: str, u: Universe) -> int:
    import psycopg

    from chronox_adapters.timescale import open_postgres
    from chronox_adapters.timescale.partitions import Partitions

    store = open_postgres(url, prefer="plain", max_size=1)
    try:
        store.registry.put_many([_entry(name) for name in u.names])
        first = (u.history or u.month)[0].open
        Partitions(store.pool).ensure("bars_1m", [first, u.month[-1].close])
    finally:
        store.close()
    spans = 0
    ledger_copy = (
        'COPY coverage (symbol, timeframe, start, "end", status, source, etag) '
        "FROM STDIN (FORMAT BINARY)"
    )
    bars_copy = (
        "COPY bars_1m (symbol, start, open, high, low, close, volume, vwap, trades, "
        "provisional, source) FROM STDIN (FORMAT BINARY)"
    )
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur, cur.copy(ledger_copy) as copy:
            copy.set_types(["text", "text", "timestamptz", "timestamptz", "text", "text", "text"])
            for name, session, etag, _ in _rows(u):
                copy.write_row((name, "1m", session.open, session.close, "final", SOURCE, etag))
                spans += 1
        with conn.cursor() as cur, cur.copy(bars_copy) as copy:
            copy.set_types(["text", "timestamptz"] + ["float8"] * 6 + ["int8", "bool", "text"])
            for name, _, _, bar in _rows(u):
                copy.write_row((name, bar, 10.0, 10.5, 9.5, 10.2, 100.0, 10.1, 3, False, SOURCE))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE coverage")
        conn.execute("VACUUM ANALYZE bars_1m")
    return spans


def _entry(name: str) -> Any:
    from chronox_domain.registry import SymbolEntry

    return SymbolEntry(name, (Timeframe.M1,), SessionKind.ETH)


# --- running chronox ------------------------------------------------------------------


def cli(*argv: str) -> str:
    """``chronox-cli argv`` in this process; its output (a failure raises, with it)."""
    from chronox_entrypoints.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as done:
            code = done.code
    if code not in (0, None):
        raise RuntimeError(f"chronox-cli {argv[0]} exited {code}: {err.getvalue()[-2000:]}")
    return out.getvalue()


@contextlib.contextmanager
def quiet_environment(folder: str) -> Iterator[None]:
    """No ``CHRONOX_`` setting of the caller's, run from ``folder`` (no ``.env``
    applies); all put back on the way out."""
    saved, cwd = dict(os.environ), os.getcwd()
    for name in [name for name in os.environ if name.startswith("CHRONOX_")]:
        del os.environ[name]
    os.environ["CHRONOX_PG_MODE"] = "plain"
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def time_gaps(store: str, u: Universe, repeats: int) -> tuple[list[float], int]:
    args = ("gaps", *u.names, "--session", "eth", "--start", MONTH[0].isoformat(),
            "--end", MONTH[1].isoformat(), "--store", store, "--json")  # fmt: skip
    samples, found = [], 0
    for _ in range(repeats):
        printed: list[str] = []
        started = time.perf_counter()
        printed.append(cli(*args))
        samples.append(time.perf_counter() - started)
        gaps = json.loads(printed[0])
        found = len(gaps)
        # Correctness, not timing: exactly the absent (ticker, day) pairs are gaps.
        assert found == u.absent, (found, u.absent)
        assert all(gap["kind"] == "gap" for gap in gaps)
    return samples, found


def gaps_figure(label: str, u: Universe, spans: int, samples: list[float], found: int) -> Figure:
    elapsed = statistics.median(samples)
    history = f", {len(u.history)} sessions of 2023 before it" if u.history else ""
    return Figure(
        benchmark="universe-gaps",
        what=f"{label}: chronox-cli gaps for {len(u.names):,} symbols, ETH, "
        f"{MONTH[0]:%B %Y} ({len(u.month)} sessions{history}; {spans:,} spans in the "
        f"ledgers; {found:,} gaps found)",
        baseline="(none: absolute time)",
        chronox=seconds(elapsed),
        ratio=elapsed / TARGET_GAPS_SECONDS,
        ratio_label="of the 2 s target",
        target=f"< {TARGET_GAPS_SECONDS:.0f} s",
        met=elapsed < TARGET_GAPS_SECONDS,
        data={"seconds": elapsed, "best_s": min(samples), "symbols": len(u.names), "spans": spans},
    )


@contextlib.contextmanager
def throwaway_store(admin: str) -> Iterator[str]:
    """The URL of a new, empty database on the server of ``admin`` (an admin URL),
    dropped on the way out whatever happens."""
    from urllib.parse import urlsplit, urlunsplit

    from psycopg.conninfo import conninfo_to_dict

    from benchmarks.bench_postgres import throwaway_database

    with throwaway_database(admin) as conninfo:
        name = str(conninfo_to_dict(conninfo)["dbname"])
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def time_matrix(store: str, u: Universe, repeats: int, folder: str) -> tuple[list[float], float]:
    """``GET /coverage/matrix`` of the last 20 sessions of the month, from a served API:
    each request's wall time, and the serving process's CPU per request (on a machine
    shared with other work the CPU time is the steadier measure; a PostgreSQL server's
    own share is not in it)."""
    import httpx

    from benchmarks.api_load import cpu_seconds
    from benchmarks.bench_api import serving

    days = u.month[-MATRIX_SESSIONS:]
    params = {"timeframe": "1m", "session": "eth", "start": days[0].date.isoformat(),
              "end": days[-1].date.isoformat()}  # fmt: skip
    offset = len(u.month) - len(days)
    absent = {
        (i, n - offset) for n in range(offset, len(u.month)) for i in range(len(u.names))
        if (i + n) % ABSENT == 0
    }  # fmt: skip
    samples = []
    with serving(store, folder) as (base, pid), httpx.Client(base_url=base, timeout=60) as http:
        http.get("/coverage/matrix", params=params).raise_for_status()  # warm
        cpu_before = cpu_seconds(pid) or 0.0
        for _ in range(repeats):
            started = time.perf_counter()
            answer = http.get("/coverage/matrix", params=params)
            answer.raise_for_status()
            body = answer.json()
            samples.append(time.perf_counter() - started)
        cpu = ((cpu_seconds(pid) or 0.0) - cpu_before) / repeats
    # Correctness, not timing: every absent ticker-day a gap, every other a hole.
    assert [row["symbol"] for row in body["rows"]] == sorted(u.names)
    assert body["days"] == [day.date.isoformat() for day in days]
    order = {name: i for i, name in enumerate(u.names)}
    for row in body["rows"]:
        i = order[row["symbol"]]
        expected = "".join("4" if (i, d) in absent else "3" for d in range(len(days)))
        assert row["codes"] == expected, (row["symbol"], row["codes"], expected)
    return samples, cpu


def matrix_figure(label: str, u: Universe, samples: list[float], cpu: float) -> Figure:
    elapsed = statistics.median(samples)
    return Figure(
        benchmark="universe-matrix",
        what=f"{label}: GET /coverage/matrix, {len(u.names):,} symbols x {MATRIX_SESSIONS} "
        "sessions of 1m (ETH), one bar per symbol-session, from chronox-cli serve",
        baseline="(none: absolute time)",
        chronox=f"{seconds(elapsed)} (the API process's CPU: {seconds(cpu)} a request)",
        ratio=elapsed / TARGET_MATRIX_SECONDS,
        ratio_label="of the 1 s target",
        target=f"< {TARGET_MATRIX_SECONDS:.0f} s",
        met=elapsed < TARGET_MATRIX_SECONDS,
        data={"seconds": elapsed, "best_s": min(samples), "cpu_s": cpu, "symbols": len(u.names)},
    )


def dense_rows(u: Universe, symbols: int) -> Iterator[tuple[str, datetime]]:
    """Every regular-hours minute of the matrix's sessions, for ``symbols`` symbols."""
    for name in u.names[:symbols]:
        for day in u.month[-MATRIX_SESSIONS:]:
            first = day.open + timedelta(hours=5, minutes=30)  # 09:30 New York
            for minute in range(390):
                yield name, first + timedelta(minutes=minute)


def time_dense_counts(
    label: str, repository: Any, u: Universe, symbols: int, repeats: int
) -> Figure:
    from chronox_domain.session import slot_window

    names = u.names[:symbols]
    windows = [slot_window(day, Timeframe.M1) for day in u.month[-MATRIX_SESSIONS:]]
    bars = len(names) * MATRIX_SESSIONS * 390
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, started = time.process_time(), time.perf_counter()
        counts = repository.bar_counts(names, Timeframe.M1, windows)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    assert counts == {name: [390] * MATRIX_SESSIONS for name in names}, "counts differ"
    wall = statistics.median(walls)
    per_universe = wall * len(u.names) / len(names)
    return Figure(
        benchmark="universe-matrix",
        what=f"{label}: the matrix's bar count (bar_counts) of {len(names)} symbols x "
        f"{MATRIX_SESSIONS} regular sessions of full minutes ({bars:,} bars)",
        baseline="(none: absolute time)",
        chronox=f"{seconds(wall)} (this process's CPU {seconds(statistics.median(cpus))}); "
        f"EXTRAPOLATED to {len(u.names):,} symbols: {seconds(per_universe)}",
        ratio=per_universe / TARGET_MATRIX_SECONDS,
        ratio_label="of the 1 s target, extrapolated",
        target="none (reported)",
        met=None,
        data={"seconds": wall, "best_s": min(walls), "bars": bars, "extrapolated_s": per_universe},
    )


def dense_sqlite(path: str, u: Universe, symbols: int) -> Any:
    from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository

    database = SqliteDatabase(path)
    with database.connection as db:
        db.executemany(
            "INSERT INTO bars_1m (symbol, start, open, high, low, close, volume, vwap, trades, "
            f"provisional, source) VALUES (?, ?, 10, 10.5, 9.5, 10.2, 100, 10.1, 3, 0, '{SOURCE}')",
            ((name, int(start.timestamp())) for name, start in dense_rows(u, symbols)),
        )
    database.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return SqliteRepository(database)


def dense_postgres(url: str, u: Universe, symbols: int) -> Any:
    import psycopg

    from chronox_adapters.timescale import open_postgres
    from chronox_adapters.timescale.partitions import Partitions

    store = open_postgres(url, prefer="plain", max_size=1)
    Partitions(store.pool).ensure("bars_1m", [u.month[0].open, u.month[-1].close])
    copy_sql = (
        "COPY bars_1m (symbol, start, open, high, low, close, volume, vwap, trades, "
        "provisional, source) FROM STDIN (FORMAT BINARY)"
    )
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            copy.set_types(["text", "timestamptz"] + ["float8"] * 6 + ["int8", "bool", "text"])
            for name, start in dense_rows(u, symbols):
                copy.write_row((name, start, 10.0, 10.5, 9.5, 10.2, 100.0, 10.1, 3, False, SOURCE))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE bars_1m")
    return store


# --- all of it ---------------------------------------------------------------------------


def run(
    calendar: TradingCalendar,
    quick: bool,
    postgres: str | None,
    sizes: Sizes | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> list[Figure]:
    """Every figure, on SQLite, and on PostgreSQL given ``postgres`` (an admin URL)."""
    sizes = sizes or (QUICK if quick else FULL)
    u = universe(calendar, sizes)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder, quiet_environment(folder):
        path = str(Path(folder) / "universe.sqlite3")
        say(f"SQLite: writing {len(u.names):,} symbols' ledgers")
        spans = fill_sqlite(path, u)
        samples, found = time_gaps(f"sqlite:///{path}", u, sizes.repeats)
        figures.append(gaps_figure("SQLite", u, spans, samples, found))
        say(figures[-1].chronox)
        if sizes.matrix:
            samples, cpu = time_matrix(f"sqlite:///{path}", u, sizes.repeats, folder)
            figures.append(matrix_figure("SQLite", u, samples, cpu))
            say(figures[-1].chronox)
        if sizes.dense:
            say(f"SQLite: {sizes.dense} symbols of full-minute sessions")
            dense = dense_sqlite(str(Path(folder) / "dense.sqlite3"), u, sizes.dense)
            figures.append(time_dense_counts("SQLite", dense, u, sizes.dense, sizes.repeats))
            say(figures[-1].chronox)
        if postgres:
            if sizes.dense:
                with throwaway_store(postgres) as url:
                    say(f"PostgreSQL: {sizes.dense} symbols of full-minute sessions")
                    store = dense_postgres(url, u, sizes.dense)
                    try:
                        figure = time_dense_counts(
                            "PostgreSQL", store.repository, u, sizes.dense, sizes.repeats
                        )
                    finally:
                        store.close()
                    figures.append(figure)
                    say(figures[-1].chronox)
            with throwaway_store(postgres) as url:
                say(f"PostgreSQL: writing {len(u.names):,} symbols' ledgers")
                spans = fill_postgres(url, u)
                samples, found = time_gaps(url, u, sizes.repeats)
                figures.append(gaps_figure("PostgreSQL", u, spans, samples, found))
                say(figures[-1].chronox)
                if sizes.matrix:
                    samples, cpu = time_matrix(url, u, sizes.repeats, folder)
                    figures.append(matrix_figure("PostgreSQL", u, samples, cpu))
                    say(figures[-1].chronox)
    return figures


def _admin() -> str | None:
    from benchmarks import bench_postgres

    admin = bench_postgres.admin_url()
    return None if bench_postgres.unavailable(admin) is not None else admin


if __name__ == "__main__":
    from benchmarks.report import text_sections
    from chronox_adapters.calendars import ExchangeCalendar

    quick = "--quick" in sys.argv
    sizes = QUICK if quick else FULL
    if "--history" in sys.argv:
        sizes = Sizes(sizes.symbols, sizes.repeats, True, sizes.matrix, sizes.dense)
    result = run(ExchangeCalendar(), quick, _admin(), sizes, say=print)
    print(text_sections(result))
