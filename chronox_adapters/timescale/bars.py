"""Bars in PostgreSQL / TimescaleDB, and the coverage the batch proves, in one transaction.

Every batch is COPYed (binary) into a staging table first. A batch whose time range
holds no bar of its series yet (the common case: a backfill fills a gap) then goes into
the bars table with a plain INSERT; any other batch with one set-based upsert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.bar_rows import report_unsound, sound_bar
from chronox_adapters.timescale.columns import read_columns
from chronox_adapters.timescale.errors import storage_error, translate_errors
from chronox_adapters.timescale.ledger import read_coverage, record_coverage
from chronox_adapters.timescale.legacy import PostgresLegacyBars, drop_unreplaced_legacy
from chronox_adapters.timescale.migrate import PLAIN
from chronox_adapters.timescale.partitions import Partitions
from chronox_adapters.timescale.pool import describe
from chronox_adapters.timescale.tables import BAR_COLUMNS, BAR_TABLES
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan
from chronox_domain.errors import first_line
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_COLUMNS = ", ".join(BAR_COLUMNS)
_VALUES = BAR_COLUMNS[2:]
_COPY_TYPES = [
    "text", "timestamptz", "float8", "float8", "float8", "float8", "float8", "float8", "int8",
    "bool", "text",
]  # fmt: skip

# Per connection, emptied at every commit: no catalog churn, nothing left behind.
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS chronox_staging ("
    " symbol text, start timestamptz, open float8, high float8, low float8, close float8,"
    " volume float8, vwap float8, trades int8, provisional bool, source text"
    ") ON COMMIT DELETE ROWS"
)
_COPY_STAGING = f"COPY chronox_staging ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"


def _upsert_sql(table: str) -> str:
    assignments = ", ".join(f"{col} = EXCLUDED.{col}" for col in _VALUES)
    current = ", ".join(f"t.{col}" for col in _VALUES)
    incoming = ", ".join(f"EXCLUDED.{col}" for col in _VALUES)
    stored = ", ".join(f"o.{col}" for col in _VALUES)
    staged = ", ".join(f"s.{col}" for col in _VALUES)
    # NOT EXISTS: bars identical to stored ones are dropped first, in one join over the
    # series' stored bars of the batch's range (parameters, so only the partitions and
    # index range of that span are read), instead of one conflict probe per bar.
    # DISTINCT ON: one command may not touch a row twice. Identical re-writes touch
    # nothing (no dead tuples, no WAL); a provisional bar never replaces a final one.
    return (
        f"INSERT INTO {table} AS t ({_COLUMNS}) "
        f"SELECT DISTINCT ON (symbol, start) {_COLUMNS} FROM chronox_staging s "
        f"WHERE NOT EXISTS (SELECT FROM {table} o "
        "WHERE o.symbol = %(symbol)s AND o.start BETWEEN %(first)s AND %(last)s "
        "AND o.symbol = s.symbol AND o.start = s.start "
        f"AND ({stored}) IS NOT DISTINCT FROM ({staged})) "
        "ORDER BY symbol, start "
        f"ON CONFLICT (symbol, start) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
        "AND (t.provisional OR NOT EXCLUDED.provisional)"
    )


_UPSERTS = {timeframe: _upsert_sql(table) for timeframe, table in BAR_TABLES.items()}
_INSERTS = {
    timeframe: f"INSERT INTO {table} ({_COLUMNS}) SELECT {_COLUMNS} FROM chronox_staging"
    for timeframe, table in BAR_TABLES.items()
}
_OCCUPIED = {
    timeframe: f"SELECT EXISTS (SELECT FROM {table} WHERE symbol = %s AND start BETWEEN %s AND %s)"
    for timeframe, table in BAR_TABLES.items()
}

#: How often a batch is retried after the connection died under it (or the server gave
#: up on it: a deadlock, a serialization failure). Safe: writes are idempotent upserts
#: and ledger merges, so a batch that did commit changes nothing.
RETRIES = 4
#: The pauses before those retries: the domain's one policy, with equal jitter, as for
#: any reconnect (a server that restarts needs a moment; retrying at once helps no one).
#: At most 0.2 + 0.4 + 0.8 + 1.6 s in all.
RETRY_BACKOFF = Backoff(base=0.2, cap=2.0, random_unit=equal_jitter)


class PostgresRepository:
    """``MarketDataRepository`` on a psycopg pool, in plain or TimescaleDB mode."""

    def __init__(self, pool: ConnectionPool, url: str, mode: str) -> None:
        self._pool = pool
        self._where = describe(url)
        self._mode = mode
        self._partitions = Partitions(pool)
        #: The previous release's split-adjusted bars, if the store holds any.
        self.legacy = PostgresLegacyBars(pool, url, mode)

    def write(self, batch: BarBatch) -> int:
        rows = _rows(batch)
        if rows and self._mode == PLAIN:
            first, last = rows[0][1], rows[-1][1]
            with translate_errors(self._where, "writing"):
                self._partitions.ensure(
                    BAR_TABLES[batch.timeframe], [first, last, *_year_starts(first, last)]
                )
        with translate_errors(self._where, "reading"):
            legacy = self.legacy.legacy_as_of() is not None  # read once per process
        for attempt in range(RETRIES + 1):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    self._write(conn, batch, rows, legacy)
                return len(rows)
            except psycopg.OperationalError as exc:
                if attempt == RETRIES:
                    raise storage_error(self._where, "writing", exc) from None
                pause = RETRY_BACKOFF.delay(attempt + 1)
                log.warning(
                    "writing %s %s failed; retrying in %.1f s: %s",
                    batch.symbol,
                    batch.timeframe,
                    pause,
                    first_line(exc),
                )
                time.sleep(pause)
            except psycopg.Error as exc:
                raise storage_error(self._where, "writing", exc) from None
        raise AssertionError("unreachable")

    def _write(self, conn: Connection, batch: BarBatch, rows: list[Row], legacy: bool) -> None:
        # One writer per series at a time: racing ingests of one symbol serialise here,
        # so the ledger merge below never works from a stale read.
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            (f"{batch.symbol}/{batch.timeframe.value}",),
        )
        if rows:
            first, last = rows[0][1], rows[-1][1]
            conn.execute(_STAGING)
            with conn.cursor() as cur, cur.copy(_COPY_STAGING) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    copy.write_row(row)
            if not _inserted_into_empty_range(conn, batch, first, last):
                params = {"symbol": batch.symbol, "first": first, "last": last}
                conn.execute(_UPSERTS[batch.timeframe], params)
        if batch.coverage:
            if legacy:  # a store of this release holds none: its writes skip this
                table = BAR_TABLES[batch.timeframe]
                drop_unreplaced_legacy(conn, table, batch.symbol, batch.source, batch.coverage)
            record_coverage(conn, batch.symbol, batch.timeframe, batch.coverage)

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> Iterator[Bar]:
        """Streamed through a server-side cursor: constant memory for any range."""
        sql = (
            f"SELECT start, open, high, low, close, volume, vwap, trades, {sound_bar(timeframe)} "
            f"FROM {BAR_TABLES[timeframe]} WHERE symbol = %s AND start >= %s AND start < %s "
            "ORDER BY start"
        )
        unsound, first = 0, None
        # Rows are fetched while the caller iterates: the translation spans the loop.
        with (
            translate_errors(self._where, "reading"),
            self._pool.connection() as conn,
            conn.cursor(name="chronox_bars") as cur,
        ):
            cur.itersize = 5_000  # ~1 MB of rows in flight: constant, small memory
            cur.execute(sql, (symbol, window.start, window.end))
            try:
                for start, o, h, lo, c, v, vw, n, sound in cur:
                    if not sound:  # bar_rows: left out, and told
                        unsound, first = unsound + 1, first if unsound else start
                        continue
                    yield Bar(symbol, timeframe, start.astimezone(UTC), o, h, lo, c, v, vw, n)
            finally:
                report_unsound(self._where, symbol, timeframe, unsound, first)

    def bar_columns(self, symbol: str, timeframe: Timeframe, window: Interval) -> BarColumns:
        with self._connection("reading") as conn:
            return read_columns(conn, self._where, symbol, timeframe, window)

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        sql = (
            f"SELECT start FROM {BAR_TABLES[timeframe]} "
            "WHERE symbol = %s AND start >= %s AND start < %s ORDER BY start"
        )
        with self._connection("reading") as conn:
            rows = conn.execute(sql, (symbol, window.start, window.end))
            return [start.astimezone(UTC) for (start,) in rows]

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        with self._connection("reading") as conn:
            return read_coverage(conn, symbol, timeframe)

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        with self._connection("reading") as conn:
            rows = conn.execute(
                "SELECT DISTINCT source FROM coverage WHERE symbol = %s AND timeframe = %s",
                (symbol, timeframe.value),
            )
            return {source for (source,) in rows}

    def counts(self) -> dict[str, int]:
        with self._connection("reading") as conn:
            bars = 0
            for table in BAR_TABLES.values():
                counted = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                bars += int(counted[0]) if counted else 0
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (symbol, timeframe)) FROM coverage"
            ).fetchone()
        spans, series = (int(row[0]), int(row[1])) if row else (0, 0)
        return {"bars": bars, "series": series, "coverage_spans": spans}

    @contextmanager
    def _connection(self, doing: str) -> Iterator[Connection]:
        """A pooled connection whose psycopg errors become ``StorageUnavailable``."""
        with translate_errors(self._where, doing), self._pool.connection() as conn:
            yield conn


Row = tuple[str, datetime, float, float, float, float, float, float | None, int | None, bool, str]


def _rows(batch: BarBatch) -> list[Row]:
    """Bars as COPY rows, in start order (the hot path: one comprehension)."""
    cutoff = batch.provisional_from or datetime.max.replace(tzinfo=UTC)
    source = batch.source
    rows = [
        (symbol, start, o, h, lo, c, v, vw, n, start >= cutoff, source)
        for symbol, _tf, start, o, h, lo, c, v, vw, n in batch.bars
    ]
    rows.sort(key=lambda row: row[1])
    return rows


def _inserted_into_empty_range(
    conn: Connection, batch: BarBatch, first: datetime, last: datetime
) -> bool:
    """Insert the staged bars as they are if no stored bar can conflict with them.

    The plain INSERT skips the upsert's sort and its conflict probe per bar. The caller
    holds the series' lock, so no bar of the series can enter ``first``..``last``
    between the check and the INSERT. Should a bar conflict all the same (two bars of
    one slot in the batch, a stored bar of another symbol), the savepoint undoes the
    INSERT and the caller upserts the same staged bars instead.
    """
    occupied = conn.execute(_OCCUPIED[batch.timeframe], (batch.symbol, first, last)).fetchone()
    if occupied is None or occupied[0]:
        return False
    try:
        with conn.transaction():
            conn.execute(_INSERTS[batch.timeframe])
    except psycopg.errors.UniqueViolation:
        return False
    return True


def _year_starts(first: datetime, last: datetime) -> list[datetime]:
    return [datetime(year, 1, 1, tzinfo=UTC) for year in range(first.year + 1, last.year + 1)]
