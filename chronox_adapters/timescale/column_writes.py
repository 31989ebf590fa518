"""Bars as columns into PostgreSQL / TimescaleDB: a bulk load at COPY speed.

In the writer's transaction, with the series' locks held (no other chronox writer of
them can come between the check and the load): one query finds the series whose
windows (what the batch replaces, and its bars' range) already hold a bar. The bars of
every other series cannot conflict with anything and have nothing to replace, so they
are COPYed (binary, :mod:`.copy_columns`) straight into the bars table: no staging
table, no second pass, no conflict probe. The others (a republished day, a day a
per-symbol run already filled) go the way of ``write_many``: staging table, replaced
bars deleted, upsert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import Connection

from chronox_adapters.timescale.copy_columns import copy_data
from chronox_adapters.timescale.legacy import NO_DECOMPRESSION_LIMIT
from chronox_adapters.timescale.locks import lock_series
from chronox_adapters.timescale.tables import BAR_COLUMNS, BAR_TABLES
from chronox_domain.batch import BarBatch, ColumnBatch
from chronox_domain.timeframe import EPOCH, Timeframe

_COLUMNS = ", ".join(BAR_COLUMNS)
_COPY = {
    timeframe: f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    for timeframe, table in BAR_TABLES.items()
}
#: The series (of a write's batches) holding a stored bar inside their window.
_OCCUPIED = {
    timeframe: (
        "SELECT r.symbol FROM unnest(%(symbols)s::text[], %(los)s::timestamptz[], "
        "%(his)s::timestamptz[]) AS r(symbol, lo, hi) "
        f"WHERE EXISTS (SELECT FROM {table} o WHERE o.symbol = r.symbol "
        "AND o.start >= r.lo AND o.start < r.hi)"
    )
    for timeframe, table in BAR_TABLES.items()
}

#: Writes batches the way ``write_many`` does, in the caller's transaction.
MergeWrite = Callable[[Connection, list[BarBatch]], None]


def write_columns(
    conn: Connection, batches: Sequence[ColumnBatch], merge: MergeWrite, *, timescale: bool
) -> int:
    """Write ``batches`` in ``conn``'s transaction (see the module); the bars written.
    ``timescale``: the bars tables are hypertables (whose old chunks are compressed)."""
    lock_series(conn, {(batch.symbol, batch.timeframe) for batch in batches})
    twice = {key for key, n in Counter(_key(b) for b in batches).items() if n > 1}
    occupied = _occupied(conn, [b for b in batches if _key(b) not in twice])
    loaded: dict[Timeframe, list[ColumnBatch]] = {}
    merged: list[ColumnBatch] = []
    for batch in batches:
        if _key(batch) in twice or _key(batch) in occupied:
            merged.append(batch)
        elif batch.columns:
            loaded.setdefault(batch.timeframe, []).append(batch)
    if loaded and timescale:  # a fresh series in a compressed chunk: its unique check
        conn.execute(NO_DECOMPRESSION_LIMIT)
    for timeframe, group in loaded.items():
        try:
            with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY[timeframe]) as copy:
                for data in copy_data(group):
                    copy.write(data)
        except psycopg.errors.UniqueViolation:
            # Two bars of one slot in a series' columns, or a bar stored meanwhile by a
            # writer that takes no series lock (not chronox): the savepoint undid the
            # load, the merge writes the group instead (the later of two bars wins).
            merged.extend(group)
    if merged:
        merge(conn, [batch.as_bar_batch() for batch in merged])
    return sum(len(batch.columns) for batch in batches)


def _key(batch: ColumnBatch) -> tuple[str, Timeframe]:
    return batch.symbol, batch.timeframe


def _occupied(conn: Connection, batches: Sequence[ColumnBatch]) -> set[tuple[str, Timeframe]]:
    """The series of ``batches`` with a stored bar inside their window: what they
    replace, and the range of their bars."""
    windows: dict[Timeframe, tuple[list[str], list[datetime], list[datetime]]] = {}
    for batch in batches:
        bounds = [(w.start, w.end) for w in batch.replaces]
        starts = batch.columns.start_ns
        if starts:  # sorted
            first, last = _instant(starts[0]), _instant(starts[-1])
            bounds.append((first, last + timedelta(microseconds=1)))
        if not bounds:
            continue
        symbols, los, his = windows.setdefault(batch.timeframe, ([], [], []))
        symbols.append(batch.symbol)
        los.append(min(lo for lo, _ in bounds))
        his.append(max(hi for _, hi in bounds))
    found: set[tuple[str, Timeframe]] = set()
    for timeframe, (symbols, los, his) in windows.items():
        rows = conn.execute(_OCCUPIED[timeframe], {"symbols": symbols, "los": los, "his": his})
        found.update((symbol, timeframe) for (symbol,) in rows)
    return found


def column_bounds(batches: Sequence[ColumnBatch]) -> dict[Timeframe, tuple[datetime, datetime]]:
    """By timeframe: the first and last start of the bars of ``batches``."""
    bounds: dict[Timeframe, tuple[int, int]] = {}
    for batch in batches:
        starts = batch.columns.start_ns
        if not starts:
            continue
        first, last = starts[0], starts[-1]  # sorted
        held = bounds.get(batch.timeframe)
        if held is not None:
            first, last = min(first, held[0]), max(last, held[1])
        bounds[batch.timeframe] = (first, last)
    return {tf: (_instant(first), _instant(last)) for tf, (first, last) in bounds.items()}


def _instant(ns: int) -> datetime:
    return (EPOCH + timedelta(microseconds=ns // 1_000)).astimezone(UTC)
