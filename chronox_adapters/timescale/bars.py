"""Bars in PostgreSQL / TimescaleDB, and the coverage they prove, in one transaction.

A write (one batch, or many across symbols and timeframes) is COPYed (binary) into a
staging table per bars table first. The bars of series whose staged range holds no bar
yet (the common case: a backfill fills a gap) then go into the bars table with one plain
INSERT; those of the other series with one set-based upsert. The ledgers of all the
written series are merged with one read, one delete and one COPY.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale import bulk_reads
from chronox_adapters.timescale.bar_rows import report_unsound, sound_bar
from chronox_adapters.timescale.column_writes import column_bounds, write_columns
from chronox_adapters.timescale.columns import read_columns
from chronox_adapters.timescale.errors import storage_error, translate_errors
from chronox_adapters.timescale.ledger import Series, read_coverage, record_coverage
from chronox_adapters.timescale.legacy import NO_DECOMPRESSION_LIMIT, PostgresLegacyBars
from chronox_adapters.timescale.locks import lock_series
from chronox_adapters.timescale.migrate import PLAIN, TIMESCALE
from chronox_adapters.timescale.partitions import Partitions
from chronox_adapters.timescale.pool import describe
from chronox_adapters.timescale.replaced import drop_unreplaced
from chronox_adapters.timescale.tables import BAR_COLUMNS, BAR_TABLES
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch, ColumnBatch, without_replaced
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
    "bool", "text", "int4",
]  # fmt: skip

# One staging table per bars table, per connection, emptied at every commit: no catalog
# churn, nothing left behind. ``seq`` is the batch's place in the write: of two bars of
# one slot the later batch's wins, as in sequential writes.
_STAGING = {
    timeframe: (
        f"CREATE TEMP TABLE IF NOT EXISTS chronox_staging_{table} ("
        " symbol text, start timestamptz, open float8, high float8, low float8, close float8,"
        " volume float8, vwap float8, trades int8, provisional bool, source text, seq int4"
        ") ON COMMIT DELETE ROWS"
    )
    for timeframe, table in BAR_TABLES.items()
}
_COPY_STAGING = {
    timeframe: f"COPY chronox_staging_{table} ({_COLUMNS}, seq) FROM STDIN (FORMAT BINARY)"
    for timeframe, table in BAR_TABLES.items()
}

#: The written series of one bars table with the range of their staged bars.
_RANGES = (
    "unnest(%(symbols)s::text[], %(firsts)s::timestamptz[], %(lasts)s::timestamptz[]) "
    "AS r(symbol, first, last)"
)


def _upsert_sql(table: str, only: str) -> str:
    assignments = ", ".join(f"{col} = EXCLUDED.{col}" for col in _VALUES)
    current = ", ".join(f"t.{col}" for col in _VALUES)
    incoming = ", ".join(f"EXCLUDED.{col}" for col in _VALUES)
    stored = ", ".join(f"o.{col}" for col in _VALUES)
    staged = ", ".join(f"s.{col}" for col in _VALUES)
    # DISTINCT ON: one command may not touch a row twice; of two staged bars of one slot
    # a final one beats a provisional one, then the later batch's wins (as in
    # sequential writes). NOT EXISTS: then bars identical to stored ones are dropped, in
    # one join over each series' stored bars of its staged range (one index range scan
    # a series; the overall range as constants, so only the partitions and chunks of
    # that span are read), instead of one conflict probe per bar. Identical re-writes
    # touch nothing (no dead tuples, no WAL); a provisional bar never replaces a final
    # one.
    return (
        f"INSERT INTO {table} AS t ({_COLUMNS}) "
        f"SELECT {_COLUMNS} FROM ("
        f"SELECT DISTINCT ON (symbol, start) {_COLUMNS} FROM chronox_staging_{table} "
        f"{only}ORDER BY symbol, start, provisional, seq DESC"
        ") s "
        f"WHERE NOT EXISTS (SELECT FROM {table} o "
        "WHERE o.symbol = ANY(%(symbols)s) AND o.start BETWEEN %(first)s AND %(last)s "
        "AND o.symbol = s.symbol AND o.start = s.start "
        f"AND ({stored}) IS NOT DISTINCT FROM ({staged})) "
        f"ON CONFLICT (symbol, start) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
        "AND (t.provisional OR NOT EXCLUDED.provisional)"
    )


#: By timeframe: the upsert of every staged bar, and of the bars of some series.
_UPSERTS = {
    timeframe: (_upsert_sql(table, ""), _upsert_sql(table, "WHERE symbol = ANY(%(symbols)s) "))
    for timeframe, table in BAR_TABLES.items()
}
_INSERTS = {
    timeframe: f"INSERT INTO {table} ({_COLUMNS}) SELECT {_COLUMNS} FROM chronox_staging_{table}"
    for timeframe, table in BAR_TABLES.items()
}
#: By timeframe: the series (of many, and of one) with a stored bar in their range.
_OCCUPIED = {
    timeframe: (
        f"SELECT r.symbol FROM {_RANGES} WHERE EXISTS (SELECT FROM {table} o "
        "WHERE o.symbol = r.symbol AND o.start BETWEEN r.first AND r.last)",
        f"SELECT symbol FROM {table} WHERE symbol = %(symbol)s "
        "AND start BETWEEN %(first)s AND %(last)s LIMIT 1",
    )
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
        return self.write_many([batch])

    def write_many(self, batches: Sequence[BarBatch]) -> int:
        if not batches:
            return 0
        staged = _Staged.of(batches)
        self._ensure_partitions(staged.bounds())
        return self._in_transaction(
            _named(batches),
            lambda conn, legacy: self._write(conn, batches, staged, legacy),
            staged.count,
        )

    #: A write waits on the server with the interpreter released (psycopg), so a bulk
    #: load can run in a thread beside the parsing of the next batch.
    background_writes = True

    def write_columns(self, batches: Sequence[ColumnBatch]) -> int:
        if not batches:
            return 0
        self._ensure_partitions(column_bounds(batches))

        def merge(conn: Connection, merged: list[BarBatch], legacy: bool) -> None:
            self._write(conn, merged, _Staged.of(merged), legacy)

        return self._in_transaction(
            f"{len(batches)} series of columns",
            lambda conn, legacy: write_columns(
                conn,
                batches,
                lambda c, merged: merge(c, merged, legacy),
                timescale=self._mode == TIMESCALE,
            ),
            sum(len(batch.columns) for batch in batches),
        )

    def _ensure_partitions(self, bounds: dict[Timeframe, tuple[datetime, datetime]]) -> None:
        """Plain mode: the yearly partitions the bars of ``bounds`` go into."""
        if self._mode != PLAIN:
            return
        with translate_errors(self._where, "writing"):
            for timeframe, (first, last) in bounds.items():
                starts = [first, last, *_year_starts(first, last)]
                self._partitions.ensure(BAR_TABLES[timeframe], starts)

    def _in_transaction(
        self, what: str, work: Callable[[Connection, bool], object], count: int
    ) -> int:
        """``work(conn, legacy)`` in one transaction, retried when the connection died
        under it; ``count``, the bars written, once it committed."""
        with translate_errors(self._where, "reading"):
            legacy = self.legacy.legacy_as_of() is not None  # read once per process
        for attempt in range(RETRIES + 1):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    work(conn, legacy)
                return count
            except psycopg.OperationalError as exc:
                if attempt == RETRIES:
                    raise storage_error(self._where, "writing", exc) from None
                pause = RETRY_BACKOFF.delay(attempt + 1)
                log.warning(
                    "writing %s failed; retrying in %.1f s: %s", what, pause, first_line(exc)
                )
                time.sleep(pause)
            except psycopg.Error as exc:
                raise storage_error(self._where, "writing", exc) from None
        raise AssertionError("unreachable")

    def _write(
        self, conn: Connection, batches: Sequence[BarBatch], staged: _Staged, legacy: bool
    ) -> None:
        # One writer per series at a time: racing ingests of one symbol serialise here,
        # so the ledger merges below never work from a stale read.
        lock_series(conn, {(batch.symbol, batch.timeframe) for batch in batches})
        for timeframe, rows in staged.rows.items():
            conn.execute(_STAGING[timeframe])
            with conn.cursor() as cur, cur.copy(_COPY_STAGING[timeframe]) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    copy.write_row(row)
        # Before the upsert: the stored bars the batches replace are those stored before.
        drop_unreplaced(
            conn, batches, staged.rows, legacy=legacy, timescale=self._mode == TIMESCALE
        )
        for timeframe in staged.rows:
            self._upsert(conn, timeframe, staged.ranges[timeframe])
        coverage: dict[Series, list[Sequence[CoverageSpan]]] = {}
        for batch in batches:
            if batch.coverage:
                coverage.setdefault((batch.symbol, batch.timeframe), []).append(batch.coverage)
        record_coverage(conn, coverage)

    def _upsert(
        self, conn: Connection, timeframe: Timeframe, ranges: dict[str, tuple[datetime, datetime]]
    ) -> None:
        """Move the staged bars of ``timeframe`` into its table.

        The bars of series whose staged range holds no stored bar yet (the common case:
        a backfill fills a gap) go in with a plain INSERT, which skips the upsert's sort
        and its conflict probe per bar; the others with the upsert. The caller holds the
        series' locks, so no bar of them can enter their ranges meanwhile. Should a bar
        conflict all the same (two bars of one slot in the write, a stored bar of
        another symbol), the savepoint undoes the INSERT and every staged bar is
        upserted instead.
        """
        many, one = _OCCUPIED[timeframe]
        if len(ranges) == 1:  # a single write: plain parameters are cheaper than unnest
            [(symbol, (first, last))] = ranges.items()
            params = {"symbol": symbol, "first": first, "last": last}
            found = conn.execute(one, params).fetchall()
        else:
            found = conn.execute(many, _ranges_params(ranges)).fetchall()
        occupied = {symbol for (symbol,) in found}
        fresh = [symbol for symbol in ranges if symbol not in occupied]
        if fresh:
            only = " WHERE symbol = ANY(%s)" if occupied else ""
            try:
                with conn.transaction():
                    conn.execute(_INSERTS[timeframe] + only, (fresh,) if occupied else None)
            except psycopg.errors.UniqueViolation:
                occupied = set(ranges)
        if occupied:
            if self._mode == TIMESCALE:  # a republished day of compressed chunks
                conn.execute(NO_DECOMPRESSION_LIMIT)
            upserted = {symbol: ranges[symbol] for symbol in ranges if symbol in occupied}
            params = _ranges_params(upserted)
            params["first"] = min(first for first, _ in upserted.values())
            params["last"] = max(last for _, last in upserted.values())
            every, some = _UPSERTS[timeframe]
            conn.execute(every if len(upserted) == len(ranges) else some, params)

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

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        with self._connection("reading") as conn:
            return bulk_reads.coverage_within(conn, symbols, timeframe, window)

    def bar_starts_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> Iterator[tuple[str, list[datetime]]]:
        return bulk_reads.bar_starts_within(self._pool, self._where, symbols, timeframe, window)

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        with self._connection("reading") as conn:
            return bulk_reads.bar_counts(conn, symbols, timeframe, windows)

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


Row = tuple[
    str, datetime, float, float, float, float, float, float | None, int | None, bool, str, int
]


@dataclass
class _Staged:
    """The COPY rows of a write by bars table, and each series' range in them."""

    rows: dict[Timeframe, list[Row]]
    #: By timeframe, then symbol: the first and last start of its staged bars.
    ranges: dict[Timeframe, dict[str, tuple[datetime, datetime]]]
    count: int

    @classmethod
    def of(cls, batches: Sequence[BarBatch]) -> _Staged:
        rows: dict[Timeframe, list[Row]] = {}
        ranges: dict[Timeframe, dict[str, tuple[datetime, datetime]]] = {}
        # What a later batch of a series replaces is not written (sequential writes).
        for seq, batch in enumerate(without_replaced(batches)):
            batch_rows = _rows(batch, seq)
            if not batch_rows:
                continue
            rows.setdefault(batch.timeframe, []).extend(batch_rows)
            first, last = batch_rows[0][1], batch_rows[-1][1]
            of_timeframe = ranges.setdefault(batch.timeframe, {})
            held = of_timeframe.get(batch.symbol)
            if held is not None:
                first, last = min(first, held[0]), max(last, held[1])
            of_timeframe[batch.symbol] = (first, last)
        return cls(rows, ranges, sum(len(batch.bars) for batch in batches))

    def bounds(self) -> dict[Timeframe, tuple[datetime, datetime]]:
        """By timeframe: the first and last start of its staged bars."""
        return {
            timeframe: (
                min(first for first, _ in of.values()),
                max(last for _, last in of.values()),
            )
            for timeframe, of in self.ranges.items()
        }


def _rows(batch: BarBatch, seq: int) -> list[Row]:
    """Bars as COPY rows, in start order (the hot path: one comprehension)."""
    cutoff = batch.provisional_from or datetime.max.replace(tzinfo=UTC)
    source = batch.source
    rows = [
        (symbol, start, o, h, lo, c, v, vw, n, start >= cutoff, source, seq)
        for symbol, _tf, start, o, h, lo, c, v, vw, n in batch.bars
    ]
    rows.sort(key=lambda row: row[1])
    return rows


def _ranges_params(ranges: dict[str, tuple[datetime, datetime]]) -> dict[str, object]:
    return {
        "symbols": list(ranges),
        "firsts": [first for first, _ in ranges.values()],
        "lasts": [last for _, last in ranges.values()],
    }


def _named(batches: Sequence[BarBatch]) -> str:
    """The series of a write, for a log line: one by name, many by count."""
    if len(batches) == 1:
        return f"{batches[0].symbol} {batches[0].timeframe}"
    return f"{len(batches)} batches"


def _year_starts(first: datetime, last: datetime) -> list[datetime]:
    return [datetime(year, 1, 1, tzinfo=UTC) for year in range(first.year + 1, last.year + 1)]
