"""Bars as columns into SQLite: a bulk load at ``executemany`` speed.

In the writer's transaction (``BEGIN IMMEDIATE``: no other writer until it ends), one
index probe per series finds those whose window (what the batch replaces, and its bars'
range) already holds a bar. The bars of every other series cannot conflict and have
nothing to replace: one ``executemany`` of plain INSERTs takes them all, its rows
tuples zipped from the columns (C loops; no ``Bar``, no ``datetime``). The others go
the way of ``write_many`` (replaced bars deleted, upsert). The database's PRAGMAs and
indexes are as every write has them: WAL, ``synchronous=NORMAL``, the table's primary
key; a bulk load does not loosen durability.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, repeat
from operator import floordiv

from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.batch import BarBatch, ColumnBatch
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns, nanoseconds
from chronox_domain.timeframe import Timeframe

_COLUMNS = "symbol, start, open, high, low, close, volume, vwap, trades, provisional, source"
_INSERTS = {
    timeframe: f"INSERT INTO {table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    for timeframe, table in BAR_TABLES.items()
}
_PROBES = {
    timeframe: f"SELECT 1 FROM {table} WHERE symbol = ? AND start >= ? AND start < ? LIMIT 1"
    for timeframe, table in BAR_TABLES.items()
}
_NS_PER_S = 1_000_000_000

#: Writes batches the way ``write_many`` does, in the caller's transaction.
MergeWrite = Callable[[list[BarBatch]], object]


def write_columns(db: sqlite3.Connection, batches: Sequence[ColumnBatch], merge: MergeWrite) -> int:
    """Write ``batches`` in ``db``'s transaction (see the module); the bars written."""
    twice = {key for key, n in Counter(_key(b) for b in batches).items() if n > 1}
    loaded: dict[Timeframe, list[ColumnBatch]] = {}
    merged: list[ColumnBatch] = []
    for batch in batches:
        if _key(batch) in twice or _occupied(db, batch):
            merged.append(batch)
        elif batch.columns:
            loaded.setdefault(batch.timeframe, []).append(batch)
    for timeframe, group in loaded.items():
        db.execute("SAVEPOINT chronox_load")
        try:
            db.executemany(_INSERTS[timeframe], chain.from_iterable(map(_rows, group)))
        except sqlite3.IntegrityError:
            # Two bars of one slot in a series' columns: the merge keeps the later one.
            db.execute("ROLLBACK TO chronox_load")
            merged.extend(group)
        db.execute("RELEASE chronox_load")
    if merged:
        merge([batch.as_bar_batch() for batch in merged])
    return sum(len(batch.columns) for batch in batches)


def _key(batch: ColumnBatch) -> tuple[str, Timeframe]:
    return batch.symbol, batch.timeframe


def _occupied(db: sqlite3.Connection, batch: ColumnBatch) -> bool:
    """Whether a stored bar of the series lies in what ``batch`` replaces or in the range
    of its bars (one index probe: the table's key is (symbol, start))."""
    bounds = [(nanoseconds(w.start), nanoseconds(w.end)) for w in batch.replaces]
    starts = batch.columns.start_ns
    if starts:
        bounds.append((min(starts), max(starts) + 1))
    if not bounds:
        return False
    lo = min(lo for lo, _ in bounds) // _NS_PER_S
    hi = -(-max(hi for _, hi in bounds) // _NS_PER_S)
    probe = (batch.symbol, lo, hi)
    return db.execute(_PROBES[batch.timeframe], probe).fetchone() is not None


def _rows(batch: ColumnBatch) -> Iterator[tuple[object, ...]]:
    """The batch's table rows (start in epoch seconds, final), zipped from its columns."""
    columns = batch.columns
    n = len(columns)
    starts = list(map(floordiv, columns.start_ns, repeat(_NS_PER_S)))
    return zip(
        repeat(columns.symbol, n), starts, columns.open, columns.high, columns.low,
        columns.close, columns.volume, _vwaps(columns), _trades(columns), repeat(0, n),
        repeat(batch.source, n), strict=True,
    )  # fmt: skip


def _vwaps(columns: BarColumns) -> Iterable[float | None]:
    """NULL where unknown (NaN): a day file knows no VWAP at all."""
    unknown = sum(map(math.isnan, columns.vwap))
    if unknown == len(columns):
        return repeat(None, len(columns))
    if unknown == 0:
        return columns.vwap
    return [None if math.isnan(vwap) else vwap for vwap in columns.vwap]


def _trades(columns: BarColumns) -> Iterable[int | None]:
    if columns.trades.count(UNKNOWN_TRADES) == 0:
        return columns.trades
    return [None if n == UNKNOWN_TRADES else n for n in columns.trades]
