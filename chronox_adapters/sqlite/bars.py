"""Bars and the coverage ledger in SQLite: idempotent upserts, one transaction a batch."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from chronox_adapters.sqlite import bulk_reads
from chronox_adapters.sqlite.bar_rows import report_unsound, soundness
from chronox_adapters.sqlite.column_writes import write_columns
from chronox_adapters.sqlite.columns import read_columns
from chronox_adapters.sqlite.database import SqliteDatabase
from chronox_adapters.sqlite.errors import translate_errors
from chronox_adapters.sqlite.ledger_writes import record_coverage
from chronox_adapters.sqlite.replaced import drop_unreplaced
from chronox_adapters.sqlite.rows import spans
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch, ColumnBatch, without_replaced
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

_COLUMNS = "symbol, start, open, high, low, close, volume, vwap, trades, provisional, source"
_LEDGER_COLUMNS = 'start, "end", status, source, answered_at, ticker, etag'
_VALUES = ("open", "high", "low", "close", "volume", "vwap", "trades", "provisional", "source")


def _upsert_sql(table: str) -> str:
    assignments = ", ".join(f"{col} = excluded.{col}" for col in _VALUES)
    current = ", ".join(f"{table}.{col}" for col in _VALUES)
    incoming = ", ".join(f"excluded.{col}" for col in _VALUES)
    # Identical re-writes touch nothing; a provisional bar never replaces a final one.
    return (
        f"INSERT INTO {table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT (symbol, start) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS NOT ({incoming}) "
        f"AND ({table}.provisional = 1 OR excluded.provisional = 0)"
    )


_UPSERTS = {timeframe: _upsert_sql(table) for timeframe, table in BAR_TABLES.items()}


class SqliteRepository:
    """``MarketDataRepository`` on a :class:`SqliteDatabase`; every ``sqlite3`` error
    becomes ``StorageUnavailable`` (``transaction`` translates those of writes)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def write(self, batch: BarBatch) -> int:
        return self.write_many([batch])

    def write_many(self, batches: Sequence[BarBatch]) -> int:
        """One executemany per bars table across the batches, in batch order (a later
        batch's bar replaces an earlier one's, as in sequential writes), then each
        series' ledger merged once with all its batches' coverage."""
        if not batches:
            return 0
        with self._db.transaction() as db:
            return _write_many(db, self._db.path, batches)

    #: sqlite3 takes the interpreter back for every row it writes: beside a busy thread a
    #: write would crawl, so bulk loads run in the caller's thread.
    background_writes = False

    def write_columns(self, batches: Sequence[ColumnBatch]) -> int:
        if not batches:
            return 0
        with self._db.transaction() as db:
            return write_columns(db, batches, lambda merged: _write_many(db, self._db.path, merged))

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> Iterator[Bar]:
        # Rows are read while the caller iterates: the translation spans the loop.
        sound = soundness(timeframe.seconds)
        unsound, first = 0, None
        with translate_errors(self._db.path, "reading"):
            cursor = self._db.connection.execute(
                f"SELECT start, open, high, low, close, volume, vwap, trades "
                f"FROM {BAR_TABLES[timeframe]} WHERE symbol = ? AND start >= ? AND start < ? "
                "ORDER BY start",
                (symbol, _epoch(window.start), _epoch(window.end)),
            )
            from_epoch = datetime.fromtimestamp
            try:
                for row in cursor:
                    if not sound(row):
                        unsound, first = unsound + 1, first if unsound else row[0]
                        continue
                    start, o, h, lo, c, v, vw, n = row
                    yield Bar(symbol, timeframe, from_epoch(start, UTC), o, h, lo, c, v, vw, n)
            finally:  # also when the caller stops early: what was met is reported
                report_unsound(self._db.path, symbol, timeframe, unsound, first)

    def bar_columns(self, symbol: str, timeframe: Timeframe, window: Interval) -> BarColumns:
        with translate_errors(self._db.path, "reading"):
            return read_columns(self._db.connection, self._db.path, symbol, timeframe, window)

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        with translate_errors(self._db.path, "reading"):
            cursor = self._db.connection.execute(
                f"SELECT start FROM {BAR_TABLES[timeframe]} "
                "WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start",
                (symbol, _epoch(window.start), _epoch(window.end)),
            )
            return [datetime.fromtimestamp(start, UTC) for (start,) in cursor]

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        with translate_errors(self._db.path, "reading"):
            cursor = self._db.connection.execute(
                f"SELECT {_LEDGER_COLUMNS} FROM coverage "
                "WHERE symbol = ? AND timeframe = ? ORDER BY start",
                (symbol, timeframe.value),
            )
            return spans(cursor, self._db.path, f"{symbol} {timeframe.value}")

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        with translate_errors(self._db.path, "reading"):
            cursor = self._db.connection.execute(
                "SELECT DISTINCT source FROM coverage WHERE symbol = ? AND timeframe = ?",
                (symbol, timeframe.value),
            )
            return {source for (source,) in cursor}

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        with translate_errors(self._db.path, "reading"):
            return bulk_reads.coverage_within(
                self._db.connection, self._db.path, symbols, timeframe, window
            )

    def bar_starts_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> Iterator[tuple[str, list[datetime]]]:
        # Rows are read while the caller iterates: the translation spans the loop.
        with translate_errors(self._db.path, "reading"):
            yield from bulk_reads.bar_starts_within(self._db.connection, symbols, timeframe, window)

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        with translate_errors(self._db.path, "reading"):
            return bulk_reads.bar_counts(self._db.connection, symbols, timeframe, windows)

    def counts(self) -> dict[str, int]:
        db = self._db.connection
        with translate_errors(self._db.path, "reading"):
            bars = sum(
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in BAR_TABLES.values()
            )
            spans = db.execute("SELECT count(*) FROM coverage").fetchone()[0]
            series = db.execute(
                "SELECT count(*) FROM (SELECT DISTINCT symbol, timeframe FROM coverage)"
            ).fetchone()[0]
        return {"bars": bars, "series": series, "coverage_spans": spans}


def _write_many(db: sqlite3.Connection, path: str, batches: Sequence[BarBatch]) -> int:
    """``write_many`` in the caller's transaction."""
    written = sum(len(batch.bars) for batch in batches)
    batches = without_replaced(batches)
    rows_of: dict[Timeframe, list[tuple[object, ...]]] = {}
    for batch in batches:
        rows_of.setdefault(batch.timeframe, []).extend(_rows(batch))
    _drop_unreplaced(db, batches)
    for timeframe, rows in rows_of.items():
        if rows:
            db.executemany(_UPSERTS[timeframe], rows)
    coverage_of: dict[tuple[str, Timeframe], list[Sequence[CoverageSpan]]] = {}
    for batch in batches:
        if batch.coverage:
            coverage_of.setdefault((batch.symbol, batch.timeframe), []).append(batch.coverage)
    record_coverage(db, path, coverage_of)
    return written


def _rows(batch: BarBatch) -> list[tuple[object, ...]]:
    """Bars as table rows, in one comprehension (this is the hot path)."""
    cutoff = batch.provisional_from.timestamp() if batch.provisional_from else math.inf
    source = batch.source
    return [
        (symbol, int(ts), o, h, lo, c, v, vw, n, ts >= cutoff, source)
        for symbol, _tf, start, o, h, lo, c, v, vw, n in batch.bars
        for ts in (start.timestamp(),)
    ]


def _drop_unreplaced(db: sqlite3.Connection, batches: Sequence[BarBatch]) -> None:
    """Before the upserts: delete the stored bars each batch replaces (its ``replaces``
    windows; the legacy rows in its final spans) and that the write does not carry
    (``without_replaced`` took out of the write what a later batch replaces). Only the
    bars stored before the write are read: none, for a series new in the window."""
    carried: dict[tuple[str, Timeframe], set[int]] = {}
    for batch in batches:
        starts = carried.setdefault((batch.symbol, batch.timeframe), set())
        starts.update(int(bar.start.timestamp()) for bar in batch.bars)
    # Only a store upgraded from the previous release holds legacy rows (its migration
    # recorded their basis): a new one skips a probe a series.
    legacy = db.execute("SELECT 1 FROM legacy_basis LIMIT 1").fetchone() is not None
    for batch in batches:
        starts = carried[(batch.symbol, batch.timeframe)]
        table = BAR_TABLES[batch.timeframe]
        if batch.replaces:
            drop_unreplaced(db, table, batch.symbol, batch.replaces, starts)
        final = [s.interval for s in batch.coverage if s.status is CoverageStatus.FINAL]
        if final and legacy:
            drop_unreplaced(db, table, batch.symbol, final, starts, legacy_only=True)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())
