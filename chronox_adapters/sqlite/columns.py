"""Stored bars as columns: one query, then one typed array per field.

``sqlite3`` hands rows over as tuples, whatever the reader (``pandas.read_sql_query``
too); what is left to save is everything after: no ``datetime`` or ``Bar`` per row, and
each column gathered by ``itemgetter`` inside ``array``'s constructor, a C loop.
"""

from __future__ import annotations

import gc
import math
import sqlite3
from array import array
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from chronox_adapters.sqlite.bar_rows import report_unsound, soundness
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

# Starts are epoch seconds in the table; SQLite makes them nanoseconds on the way out.
# Unknown trades come out as the domain's marker, so that column never holds None.
_SELECT = {
    timeframe: (
        "SELECT start * 1000000000, open, high, low, close, volume, vwap, "
        f"ifnull(trades, {UNKNOWN_TRADES}) FROM {table} "
        "WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start"
    )
    for timeframe, table in BAR_TABLES.items()
}
_VWAP = 6
_NANOSECONDS = 1_000_000_000


def read_columns(
    db: sqlite3.Connection, path: str, symbol: str, timeframe: Timeframe, window: Interval
) -> BarColumns:
    """The sound bars of the window as columns; rows that are not are left out and
    reported (:mod:`.bar_rows`)."""
    bounds = (int(window.start.timestamp()), int(window.end.timestamp()))
    # A year is ~100,000 row tuples, none in a reference cycle: in a notebook's large
    # heap the cyclic collector would walk that heap again and again meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        rows = db.execute(_SELECT[timeframe], (symbol, *bounds)).fetchall()
        sound = soundness(timeframe.seconds * _NANOSECONDS, fewest_trades=UNKNOWN_TRADES)
        if not all(map(sound, rows)):  # some row is not a bar: tell, and leave it out
            unsound = [row[0] for row in rows if not sound(row)]
            report_unsound(path, symbol, timeframe, len(unsound), unsound[0], _NANOSECONDS)
            rows = [row for row in rows if sound(row)]
        return _columns(rows, symbol, timeframe)
    finally:
        if enabled:
            gc.enable()


def _columns(rows: list[tuple[Any, ...]], symbol: str, timeframe: Timeframe) -> BarColumns:
    o, h, lo, c, v = (array("d", map(itemgetter(i), rows)) for i in range(1, _VWAP))
    starts, trades = (array("q", map(itemgetter(i), rows)) for i in (0, 7))
    return BarColumns(symbol, timeframe, starts, o, h, lo, c, v, _vwaps(rows), trades)


def _vwaps(rows: Sequence[tuple[Any, ...]]) -> array[float]:
    """SQLite cannot store NaN (it stores NULL), so unknown VWAPs arrive as None: the
    quick path fails on the first one, and only then is each row looked at."""
    try:
        return array("d", map(itemgetter(_VWAP), rows))
    except TypeError:
        nan = math.nan
        return array("d", [nan if vwap is None else vwap for vwap in map(itemgetter(_VWAP), rows)])
