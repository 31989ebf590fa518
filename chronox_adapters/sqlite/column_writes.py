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
from array import array
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
#: The symbols (of a list) with a bar in a window: an index probe each.
_PROBES = {
    timeframe: f"SELECT DISTINCT symbol FROM {table} WHERE symbol IN ({{marks}}) "
    "AND start >= ? AND start < ?"
    for timeframe, table in BAR_TABLES.items()
}
#: Symbols asked in one query (SQLite's statements take up to 32,766 parameters).
_PARAMETERS = 10_000
_NS_PER_S = 1_000_000_000
_NAN = array("d", [math.nan]).tobytes()

#: Writes batches the way ``write_many`` does, in the caller's transaction.
MergeWrite = Callable[[list[BarBatch]], object]


def write_columns(db: sqlite3.Connection, batches: Sequence[ColumnBatch], merge: MergeWrite) -> int:
    """Write ``batches`` in ``db``'s transaction (see the module); the bars written."""
    twice = {key for key, n in Counter(_key(b) for b in batches).items() if n > 1}
    occupied = _occupied(db, [b for b in batches if _key(b) not in twice])
    loaded: dict[Timeframe, list[ColumnBatch]] = {}
    merged: list[ColumnBatch] = []
    for batch in batches:
        if _key(batch) in twice or _key(batch) in occupied:
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


def _occupied(db: sqlite3.Connection, batches: Sequence[ColumnBatch]) -> set[tuple[str, Timeframe]]:
    """The series of ``batches`` with a stored bar in what they replace or in the range
    of their bars. Series with the same window (a day file's: its session) are asked
    together: one query of index probes (the table's key is (symbol, start))."""
    windows: dict[tuple[Timeframe, int, int], list[str]] = {}
    for batch in batches:
        bounds = [(nanoseconds(w.start), nanoseconds(w.end)) for w in batch.replaces]
        starts = batch.columns.start_ns
        if starts:  # sorted
            bounds.append((starts[0], starts[-1] + 1))
        if bounds:
            lo = min(lo for lo, _ in bounds) // _NS_PER_S
            hi = -(-max(hi for _, hi in bounds) // _NS_PER_S)
            windows.setdefault((batch.timeframe, lo, hi), []).append(batch.symbol)
    found: set[tuple[str, Timeframe]] = set()
    for (timeframe, lo, hi), symbols in windows.items():
        for at in range(0, len(symbols), _PARAMETERS):
            some = symbols[at : at + _PARAMETERS]
            marks = ", ".join("?" * len(some))
            rows = db.execute(_PROBES[timeframe].format(marks=marks), (*some, lo, hi))
            found.update((symbol, timeframe) for (symbol,) in rows)
    return found


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
    if columns.vwap.tobytes() == _NAN * len(columns):  # a day file's columns: at once
        return repeat(None, len(columns))
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
