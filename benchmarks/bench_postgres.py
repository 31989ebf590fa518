"""The PostgreSQL store (issue 3): writing, re-writing, a gap scan and a read, on a server.

Each run makes its own database, ``chronox_bench_<pid>_<random>``, through an admin
connection (``CHRONOX_BENCH_PG``, else ``postgresql://postgres@127.0.0.1:5432/test``),
opens it with ``open_postgres`` (migrated as in production) and drops it at the end,
even on error. Every baseline works on the same tables as chronox.

* Writing: the same pre-built 1m bars (each symbol's consecutive minutes from
  mid-December, so every batch lands in two yearly partitions of ``bars_1m``) go,
  one transaction per batch of up to 50,000 bars, into emptied tables with the same
  partitions present: through ``PostgresRepository.write`` with the batch's coverage
  span; as a raw binary COPY of the same rows; with psycopg's ``executemany`` of an
  ``INSERT ... ON CONFLICT DO NOTHING``; and with that INSERT executed row by row (on
  a subset, extrapolated). Then the same batches through chronox again.
* The gap scan: ``CoverageService.gaps`` over 2024 for many symbols whose ledgers were
  COPYed into ``coverage`` beforehand, against ``find_gaps`` on the same ledgers in
  memory.
* Reading: one symbol's 2024 regular-hours 1m bars through ``PostgresRepository.bars``
  against the same query on a bare server-side cursor, and the peak Python memory of
  streaming them against holding them in a list.
"""

from __future__ import annotations

import gc
import os
import random
import secrets
import tracemalloc
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from benchmarks.app import application
from benchmarks.bench_gaps import Holes, realistic_coverage
from benchmarks.timing import Comparison, Figure, Timing, compare, rate, seconds, stopwatch
from chronox_adapters.timescale import PostgresRepository, PostgresStore, open_postgres
from chronox_adapters.timescale.partitions import Partitions
from chronox_adapters.timescale.tables import BAR_COLUMNS, BAR_TABLES
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import first_line
from chronox_domain.gaps import GapWindow, find_gaps
from chronox_domain.interval import Interval, IntervalList
from chronox_domain.ports import TradingCalendar
from chronox_domain.services.coverage import CoverageService
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SOURCE = "synthetic"
MAX_BARS_PER_REQUEST = 50_000
FIRST_MINUTE = datetime(2023, 12, 15, tzinfo=UTC)
YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)
#: A ledger "with a few missing sessions": ~250 final spans per symbol-year.
FEW_HOLES = Holes(sessions_missing=4, sessions_partial=2, minutes_rejected=3)

TARGET_COPY_RATIO = 0.6
TARGET_EXECUTEMANY_SPEEDUP = 10.0
TARGET_GAPS_SECONDS = 2.0
#: "Far below the list's": the stream's peak at most this share of the list's size.
TARGET_MEMORY_SHARE = 0.25

_TABLE = BAR_TABLES[Timeframe.M1]
_COLUMNS = ", ".join(BAR_COLUMNS)
_COPY_BARS = f"COPY {_TABLE} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = [
    "text", "timestamptz", "float8", "float8", "float8", "float8", "float8", "float8", "int8",
    "bool", "text",
]  # fmt: skip
_INSERT = (
    f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES ({', '.join(['%s'] * len(BAR_COLUMNS))}) "
    "ON CONFLICT DO NOTHING"
)
_COPY_COVERAGE = 'COPY coverage (symbol, timeframe, start, "end", status, source) FROM STDIN'
_READ = (
    f"SELECT start, open, high, low, close, volume, vwap, trades FROM {_TABLE} "
    "WHERE symbol = %s AND start >= %s AND start < %s ORDER BY start"
)

Row = tuple[object, ...]


# --- the server and the throwaway database ---------------------------------------------


def admin_url() -> str:
    return os.environ.get("CHRONOX_BENCH_PG", DEFAULT_ADMIN_URL)


def unavailable(admin: str) -> str | None:
    """Why these benchmarks cannot run through ``admin`` (None: they can)."""
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error as exc:
        return first_line(exc)
    return None if row and row[0] else "the admin role may not create databases"


def versions(admin: str) -> dict[str, str]:
    """The server's and the driver's versions, for the report."""
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    libpq_major, libpq_minor = divmod(psycopg.pq.version(), 10_000)
    return {
        "postgresql": str(row[0]) if row else "unknown",
        "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__}, "
        f"libpq {libpq_major}.{libpq_minor})",
    }


@contextmanager
def throwaway_database(admin: str) -> Iterator[str]:
    """The conninfo of a new, empty database, dropped on the way out whatever happens."""
    name = f"chronox_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(admin, dbname=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


# --- 1 and 2: writing --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteLoad:
    """The bars as chronox gets them, and the same bars as table rows for the baselines."""

    batches: list[BarBatch]
    rows: list[list[Row]]

    @property
    def bars(self) -> int:
        return sum(len(rows) for rows in self.rows)


def random_walk(symbol: str, starts: Sequence[datetime], rng: random.Random) -> list[Bar]:
    """Sound 1m bars (every price positive, high and low around open and close)."""
    bars: list[Bar] = []
    price = 100.0 + rng.random() * 50
    for start in starts:
        close = price + rng.uniform(-0.05, 0.05)
        high, low = max(price, close) + 0.01, min(price, close) - 0.01
        volume = float(rng.randrange(100, 10_000))
        bars.append(
            Bar(symbol, Timeframe.M1, start, price, high, low, close, volume, (high + low) / 2, 7)
        )
        price = close
    return bars


def _as_rows(bars: Sequence[Bar]) -> list[Row]:
    return [
        (symbol, start, o, h, lo, c, v, vw, n, False, SOURCE)
        for symbol, _timeframe, start, o, h, lo, c, v, vw, n in bars
    ]


def write_load(symbols: int, minutes: int, seed: int) -> WriteLoad:
    starts = [FIRST_MINUTE + timedelta(minutes=i) for i in range(minutes)]
    rng = random.Random(seed)
    batches: list[BarBatch] = []
    for number in range(symbols):
        symbol = f"S{number:03d}"
        bars = random_walk(symbol, starts, rng)
        for i in range(0, len(bars), MAX_BARS_PER_REQUEST):
            chunk = bars[i : i + MAX_BARS_PER_REQUEST]
            covered = Interval(chunk[0].start, chunk[-1].start + Timeframe.M1.step)
            span = CoverageSpan(covered, CoverageStatus.FINAL, SOURCE)
            batches.append(BarBatch(symbol, Timeframe.M1, chunk, SOURCE, None, (span,)))
    return WriteLoad(batches, [_as_rows(batch.bars) for batch in batches])


def write_chronox(repository: PostgresRepository, batches: Sequence[BarBatch]) -> None:
    for batch in batches:
        repository.write(batch)


def write_copy(conn: psycopg.Connection, row_batches: Sequence[list[Row]]) -> None:
    for rows in row_batches:
        with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY_BARS) as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                copy.write_row(row)


def write_executemany(conn: psycopg.Connection, row_batches: Sequence[list[Row]]) -> None:
    for rows in row_batches:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(_INSERT, rows)


def write_row_by_row(conn: psycopg.Connection, rows: Sequence[Row]) -> None:
    with conn.transaction(), conn.cursor() as cur:
        for row in rows:
            cur.execute(_INSERT, row)


def _emptied(conn: psycopg.Connection) -> None:
    """Empty bars and ledger, then checkpoint, so no side pays for another's writes."""
    conn.execute(f"TRUNCATE {_TABLE}, coverage")
    with suppress(psycopg.errors.InsufficientPrivilege):
        conn.execute("CHECKPOINT")


def _fingerprint(conn: psycopg.Connection) -> tuple[int, int]:
    """Row count and a checksum of every stored bar, column by column."""
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(hashtextextended(b::text, 0)), 0) FROM {_TABLE} b"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _xid(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT pg_current_xact_id()::text::bigint % 4294967296").fetchone()
    assert row is not None
    return int(row[0])


def _written_since(conn: psycopg.Connection, xid: int) -> int:
    """Bars whose current version a transaction after ``xid`` wrote."""
    row = conn.execute(
        f"SELECT count(*) FROM {_TABLE} WHERE xmin::text::bigint > %s", (xid,)
    ).fetchone()
    assert row is not None
    return int(row[0])


@dataclass(frozen=True, slots=True)
class WriteTimings:
    bars: int
    batches: int
    symbols: int
    row_loop: int
    copy: Timing
    chronox: Timing
    rewrite: Timing
    executemany: Timing
    row_by_row: Timing


def time_writes(
    store: PostgresStore, conn: psycopg.Connection, load: WriteLoad, repeats: int, row_loop: int
) -> WriteTimings:
    """Each side from emptied tables; raw COPY and chronox take turns at going first.

    The first repeat also checks that every side stored exactly the same rows, that
    chronox recorded the coverage, and that the re-write touched no row.
    """
    subset = [row for rows in load.rows for row in rows][:row_loop]
    samples: dict[str, list[float]] = {
        side: [] for side in ("copy", "chronox", "rewrite", "executemany", "rows")
    }

    def timed(side: str, run: Callable[[], object]) -> None:
        _emptied(conn)
        samples[side].append(stopwatch(run))

    for repeat in range(repeats):
        checking = repeat == 0
        if repeat % 2 == 0:
            timed("copy", partial(write_copy, conn, load.rows))
            copied = _fingerprint(conn) if checking else None
        timed("chronox", partial(write_chronox, store.repository, load.batches))
        if checking:
            stored = _fingerprint(conn)
            assert stored[0] == load.bars, (stored, load.bars)
            assert stored == copied, "chronox and the raw COPY stored different rows"
            spans = conn.execute("SELECT count(*) FROM coverage").fetchone()
            assert spans == (len({b.symbol for b in load.batches}),), spans
            before = _xid(conn)
        samples["rewrite"].append(stopwatch(partial(write_chronox, store.repository, load.batches)))
        if checking:
            assert _fingerprint(conn) == stored, "the re-write changed the stored bars"
            assert _written_since(conn, before) == 0, "the re-write rewrote identical bars"
        if repeat % 2 == 1:
            timed("copy", partial(write_copy, conn, load.rows))
        timed("executemany", partial(write_executemany, conn, load.rows))
        if checking:
            assert _fingerprint(conn) == stored, "chronox and executemany stored different rows"
        timed("rows", partial(write_row_by_row, conn, subset))
        if checking:
            assert _fingerprint(conn)[0] == len(subset)
    _emptied(conn)
    timings = {side: Timing(tuple(values)) for side, values in samples.items()}
    return WriteTimings(
        load.bars,
        len(load.batches),
        len({batch.symbol for batch in load.batches}),
        len(subset),
        timings["copy"],
        timings["chronox"],
        timings["rewrite"],
        timings["executemany"],
        timings["rows"],
    )


def write_figures(t: WriteTimings) -> list[Figure]:
    n = t.bars
    chronox = t.chronox.median
    vs_copy = Comparison(t.copy, t.chronox)
    vs_executemany = Comparison(t.executemany, t.chronox)
    scale = n / t.row_loop
    vs_rows = Comparison(t.row_by_row.scaled(scale), t.chronox)
    vs_first = Comparison(t.chronox, t.rewrite)
    chronox_cell = f"{seconds(chronox)} ({rate(n, chronox, 'bars')})"
    data = {
        "bars": n,
        "batches": t.batches,
        "symbols": t.symbols,
        "copy_s": t.copy.median,
        "chronox_s": chronox,
        "rewrite_s": t.rewrite.median,
        "executemany_s": t.executemany.median,
        "row_loop_rows": t.row_loop,
        "row_loop_s": t.row_by_row.median,
        "row_loop_extrapolated_s": t.row_by_row.median * scale,
    }
    return [
        Figure(
            benchmark="pg-write",
            what=f"write {n:,} new 1m bars into bars_1m ({t.symbols} symbols, {t.batches} "
            "batches, each with its coverage span)",
            baseline=f"raw binary COPY: {seconds(t.copy.median)} "
            f"({rate(n, t.copy.median, 'bars')})",
            chronox=chronox_cell,
            ratio=vs_copy.speedup,
            ratio_label="the raw COPY's throughput",
            target=f">= {TARGET_COPY_RATIO:.1f}x",
            met=vs_copy.speedup >= TARGET_COPY_RATIO,
            data=data,
        ),
        Figure(
            benchmark="pg-write",
            what="the same write against psycopg's executemany (INSERT ... ON CONFLICT DO "
            "NOTHING, pipelined by psycopg 3), all rows",
            baseline=f"executemany: {seconds(t.executemany.median)} "
            f"({rate(n, t.executemany.median, 'bars')})",
            chronox=chronox_cell,
            ratio=vs_executemany.speedup,
            ratio_label="faster",
            target=f">= {TARGET_EXECUTEMANY_SPEEDUP:.0f}x faster",
            met=vs_executemany.speedup >= TARGET_EXECUTEMANY_SPEEDUP,
            data=data,
        ),
        Figure(
            benchmark="pg-write",
            what="the same write against that INSERT executed row by row (no pipeline)",
            baseline=f"{t.row_loop:,}-row subset: {seconds(t.row_by_row.median)}; "
            f"EXTRAPOLATED to {n:,}: {seconds(t.row_by_row.median * scale)}",
            chronox=chronox_cell,
            ratio=vs_rows.speedup,
            ratio_label="faster",
            target="none (reported)",
            met=None,
            data=data,
        ),
        Figure(
            benchmark="pg-write",
            what=f"re-write the same {n:,} bars through chronox (all conflicts, identical "
            "values: no row changes)",
            baseline=f"chronox's first write: {seconds(chronox)}",
            chronox=f"{seconds(t.rewrite.median)} ({rate(n, t.rewrite.median, 'bars')})",
            ratio=vs_first.speedup,
            ratio_label="the first write's speed",
            target=">= 1.0x (as fast)",
            met=vs_first.speedup >= 1.0,
            data=data,
        ),
    ]


# --- 3: the gap scan ---------------------------------------------------------------------


def year_expected(calendar: TradingCalendar) -> IntervalList:
    return expected_windows(calendar.sessions(YEAR_START, YEAR_END, SessionKind.RTH), Timeframe.M1)


def copy_ledgers(conn: psycopg.Connection, ledgers: dict[str, IntervalList]) -> int:
    """Final spans straight into ``coverage``: the set-up, not what is timed."""
    spans = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY_COVERAGE) as copy:
        for symbol, covered in ledgers.items():
            for piece in covered:
                copy.write_row(
                    (symbol, Timeframe.M1.value, piece.start, piece.end, "final", SOURCE)
                )
            spans += len(covered)
    return spans


def _find_all(
    expected: IntervalList, ledgers: dict[str, IntervalList], window: Interval
) -> list[GapWindow]:
    return [
        GapWindow(symbol, Timeframe.M1, piece)
        for symbol, covered in sorted(ledgers.items())
        for piece in find_gaps(expected, covered, window)
    ]


def _untouched(expected: IntervalList, covered: IntervalList) -> IntervalList:
    """The windows of ``expected`` that no piece of ``covered`` overlaps."""
    starts = [window.start for window in expected]
    touched: set[int] = set()
    for piece in covered:
        first = max(bisect_right(starts, piece.start) - 1, 0)
        if expected[first].end <= piece.start:
            first += 1
        touched.update(range(first, bisect_left(starts, piece.end)))
    return [window for i, window in enumerate(expected) if i not in touched]


def _scan(service: CoverageService, symbols: list[str]) -> list[GapWindow]:
    return service.gaps(symbols, Timeframe.M1, SessionKind.RTH, YEAR_START, YEAR_END)


def gap_scan(
    store: PostgresStore, conn: psycopg.Connection, calendar: TradingCalendar,
    symbols: int, repeats: int, seed: int,
) -> Figure:  # fmt: skip
    expected = year_expected(calendar)
    window = Interval(expected[0].start, expected[-1].end)
    ledgers = {
        f"G{i:03d}": realistic_coverage(expected, random.Random(seed + i), FEW_HOLES)
        for i in range(symbols)
    }
    spans = copy_ledgers(conn, ledgers)
    service: CoverageService = application(calendar, store=store).coverage()
    names = list(ledgers)

    found = _scan(service, names)
    # Correctness, not timing: the store path finds what find_gaps finds in memory, and
    # every session a ledger left out entirely is one whole gap window.
    assert found == _find_all(expected, ledgers, window), "the service and find_gaps disagree"
    windows = {(gap.symbol, gap.interval) for gap in found}
    for symbol, covered in ledgers.items():
        untouched = _untouched(expected, covered)
        assert len(untouched) >= FEW_HOLES.sessions_missing, (symbol, len(untouched))
        assert all((symbol, w) in windows for w in untouched), f"{symbol}: a missing session"

    timings = compare(
        partial(_find_all, expected, ledgers, window), partial(_scan, service, names), repeats
    )
    total = timings.chronox.median
    return Figure(
        benchmark="pg-gaps",
        what=f"CoverageService.gaps for {symbols} symbols, XNYS RTH 2024, ledgers in "
        f"PostgreSQL ({spans:,} final spans, {len(found):,} gaps)",
        baseline=f"find_gaps on the same ledgers in memory: {seconds(timings.baseline.median)}",
        chronox=f"{seconds(total)} ({seconds(total / symbols)} per symbol)",
        ratio=timings.slowdown,
        ratio_label="the in-memory time",
        target=f"< {TARGET_GAPS_SECONDS:.0f} s total",
        met=total < TARGET_GAPS_SECONDS,
        data={
            "symbols": symbols,
            "spans": spans,
            "gaps": len(found),
            "service_s": total,
            "in_memory_s": timings.baseline.median,
        },
    )


# --- 4: reading --------------------------------------------------------------------------


def _stream_raw(conn: psycopg.Connection, symbol: str, window: Interval) -> None:
    with conn.transaction(), conn.cursor(name="bench_raw") as cur:
        cur.itersize = 20_000  # as PostgresRepository.bars
        cur.execute(_READ, (symbol, window.start, window.end))
        deque(cur, maxlen=0)


def _stream_chronox(repository: PostgresRepository, symbol: str, window: Interval) -> None:
    deque(repository.bars(symbol, Timeframe.M1, window), maxlen=0)


def _traced(run: Callable[[], object]) -> tuple[int, int]:
    """(bytes still held when ``run`` returned, peak bytes while it ran), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return held, peak


def read_year(
    store: PostgresStore, conn: psycopg.Connection, calendar: TradingCalendar,
    sessions: int, repeats: int, seed: int,
) -> list[Figure]:  # fmt: skip
    symbol = "READ"
    expected = year_expected(calendar)[:sessions]
    minutes = [
        piece.start + i * Timeframe.M1.step
        for piece in expected
        for i in range(Timeframe.M1.slots_in(piece.start, piece.end))
    ]
    bars = random_walk(symbol, minutes, random.Random(seed))
    for i in range(0, len(bars), MAX_BARS_PER_REQUEST):
        chunk = bars[i : i + MAX_BARS_PER_REQUEST]
        store.repository.write(BarBatch(symbol, Timeframe.M1, chunk, SOURCE, None))
    window = Interval(expected[0].start, expected[-1].end)
    repository = store.repository

    # Correctness, not timing: what comes back is what went in, in order.
    assert list(repository.bars(symbol, Timeframe.M1, window)) == bars, "bars read back differ"
    timings = compare(
        partial(_stream_raw, conn, symbol, window),
        partial(_stream_chronox, repository, symbol, window),
        repeats,
    )
    listed, _ = _traced(lambda: list(repository.bars(symbol, Timeframe.M1, window)))
    _, streamed = _traced(partial(_stream_chronox, repository, symbol, window))
    # Constant memory: half the range, the same peak.
    half = Interval(window.start, expected[len(expected) // 2].start)
    _, streamed_half = _traced(partial(_stream_chronox, repository, symbol, half))
    n = len(bars)
    raw, chronox = timings.baseline.median, timings.chronox.median
    scope = f"{n:,} 1m bars, {sessions} RTH sessions of 2024"
    return [
        Figure(
            benchmark="pg-read",
            what=f"read one symbol's bars via PostgresRepository.bars ({scope}), streamed",
            baseline=f"bare server-side cursor, tuples: {seconds(raw)} ({rate(n, raw, 'rows')})",
            chronox=f"{seconds(chronox)} ({rate(n, chronox, 'bars')})",
            ratio=timings.speedup,
            ratio_label="the bare cursor's throughput",
            target="none (reported)",
            met=None,
            data={"bars": n, "raw_s": raw, "chronox_s": chronox},
        ),
        Figure(
            benchmark="pg-read",
            what="peak Python memory (tracemalloc) while streaming it, against the result "
            "held as a list",
            baseline=f"list(bars(...)) holds {_megabytes(listed)}",
            chronox=f"streamed: {_megabytes(streamed)} peak ({_megabytes(streamed_half)} "
            "for half the range)",
            ratio=listed / streamed,
            ratio_label="less",
            target=f"peak <= {TARGET_MEMORY_SHARE:.2f}x the list",
            met=streamed <= TARGET_MEMORY_SHARE * listed,
            data={
                "bars": n,
                "list_bytes": listed,
                "stream_peak_bytes": streamed,
                "stream_peak_half_range_bytes": streamed_half,
            },
        ),
    ]


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


# --- all of it ---------------------------------------------------------------------------


def run(
    admin: str,
    calendar: TradingCalendar,
    seed: int,
    *,
    symbols: int = 20,
    minutes: int = 50_000,
    repeats: int = 5,
    row_loop: int = 10_000,
    gap_symbols: int = 500,
    read_sessions: int = 252,
) -> list[Figure]:
    """Every PostgreSQL figure, measured in one throwaway database.

    ``symbols`` x ``minutes`` bars are written (a batch per 50,000), ``row_loop`` of them
    row by row; the gap scan covers ``gap_symbols``; the read the first
    ``read_sessions`` sessions of 2024 (252: all of it).
    """
    load = write_load(symbols, minutes, seed)
    with throwaway_database(admin) as url:
        store = open_postgres(url, max_size=2)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                last = load.batches[-1].bars[-1].start
                Partitions(store.pool).ensure(_TABLE, [FIRST_MINUTE, last])
                figures = write_figures(time_writes(store, conn, load, repeats, row_loop))
                del load
                figures.append(gap_scan(store, conn, calendar, gap_symbols, repeats, seed))
                figures += read_year(store, conn, calendar, read_sessions, repeats, seed)
        finally:
            store.close()
    return figures
