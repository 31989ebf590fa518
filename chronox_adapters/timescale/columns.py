"""Stored bars as columns, packed by the server: one ``bytea`` per year of bars.

A row-by-row read makes a tuple, a ``datetime`` and eight numbers per bar, and a binary
``COPY`` is no better here: the server sends one message per row, which psycopg hands
over one at a time. Instead the server packs each bar's fields in their binary send
format (big-endian int8 / float8) and concatenates the bars in start order into one
value; the client reinterprets that buffer as interleaved int64 and float64 arrays and
takes every eighth element of each, all C loops. Nothing per bar is built in Python.
"""

from __future__ import annotations

import sys
from array import array
from datetime import UTC, datetime
from itertools import pairwise

from psycopg import Connection

from chronox_adapters.timescale.bar_rows import report_unsound, sound_bar
from chronox_adapters.timescale.tables import BAR_TABLES
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

# Every bar starts on a whole minute, so its epoch seconds are an exact float8 and an
# exact int8 once multiplied. Unknown VWAPs and trades become the domain's markers (NaN,
# UNKNOWN_TRADES): a NULL would have no fixed width and break the packing.
_PACKED_BAR = (
    "int8send(date_part('epoch', start)::int8 * 1000000000) || float8send(open) "
    "|| float8send(high) || float8send(low) || float8send(close) || float8send(volume) "
    f"|| float8send(coalesce(vwap, 'NaN')) || int8send(coalesce(trades, {UNKNOWN_TRADES}))"
)
_FIELDS = 8
#: The sound bars packed, and how many rows were not, and the first of them (bar_rows).
_SELECT = {
    timeframe: (
        f"SELECT string_agg({_PACKED_BAR}, ''::bytea ORDER BY start) "
        f"FILTER (WHERE {sound_bar(timeframe)}), "
        f"count(*) FILTER (WHERE NOT {sound_bar(timeframe)}), "
        f"min(start) FILTER (WHERE NOT {sound_bar(timeframe)}) FROM {table} "
        "WHERE symbol = %s AND start >= %s AND start < %s"
    )
    for timeframe, table in BAR_TABLES.items()
}


def read_columns(
    conn: Connection, where: str, symbol: str, timeframe: Timeframe, window: Interval
) -> BarColumns:
    """One query per calendar year of ``window``: each packed value stays a few MB (a
    year of extended-hours minutes is about 16 MB), far below PostgreSQL's 1 GB cap."""
    ints, floats = array("q"), array("d")
    unsound, first = 0, None
    for part in _years(window):
        row = conn.execute(
            _SELECT[timeframe], (symbol, part.start, part.end), binary=True
        ).fetchone()
        packed, left_out, earliest = row if row else (None, 0, None)
        if packed:
            ints.frombytes(packed)
            floats.frombytes(packed)
        if left_out and not unsound:
            first = earliest
        unsound += left_out or 0
    report_unsound(where, symbol, timeframe, unsound, first)
    if sys.byteorder == "little":
        ints.byteswap()
        floats.byteswap()
    o, h, lo, c, v, vw = (floats[field::_FIELDS] for field in range(1, 7))
    return BarColumns(symbol, timeframe, ints[0::_FIELDS], o, h, lo, c, v, vw, ints[7::_FIELDS])


def _years(window: Interval) -> list[Interval]:
    cuts = [
        datetime(year, 1, 1, tzinfo=UTC)
        for year in range(window.start.year + 1, window.end.year + 1)
        if window.start < datetime(year, 1, 1, tzinfo=UTC) < window.end
    ]
    edges = [window.start, *cuts, window.end]
    return [Interval(a, b) for a, b in pairwise(edges)]
