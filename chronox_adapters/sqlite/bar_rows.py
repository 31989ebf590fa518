"""Which rows of a bar table are bars: the one test both readers (rows and columns) apply.

Every bar chronox writes passed the domain's invariants (:func:`chronox_domain.bar.
bar_problem`), but SQLite's loose typing lets a row written by hand hold text in a price
column, a blob for a volume, an infinite close or a start off the grid. Such a row is
left out of every read, with one WARNING per read naming how many and the first: it
must neither fail the answer (a ``TypeError`` deep in a roll-up or a JSON model) nor
pass into it (``garbage`` in a CSV, ``inf`` in a chart).

The test runs on the tuples ``sqlite3`` hands over, in one expression of exact type
checks and chained comparisons: about half a microsecond a row (a year of minute bars,
~100,000 rows, in 50 ms; a tenth of what printing a bar costs), cheaper than the same
test as SQL evaluated by SQLite, and as cheap as testing whole columns with C loops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: The largest finite double (infinity compares above it; SQLite stores no NaN).
_LARGEST = 1.7976931348623157e308

#: A row as read: start, open, high, low, close, volume, vwap, trades.
Row = tuple[object, ...]


def soundness(step: int, fewest_trades: int = 0) -> Callable[[Row], bool]:
    """The test of a row whose start is a whole multiple of ``step`` (the timeframe in
    the start's unit), with ``trades`` None or at least ``fewest_trades`` (the columns'
    reader turns NULL into the domain's marker, -1, in SQL)."""

    def sound(row: Row) -> bool:
        start, o, h, lo, c, v, vw, n = row
        return (
            type(start) is int
            and type(o) is float
            and type(h) is float
            and type(lo) is float
            and type(c) is float
            and type(v) is float
            and 0 < lo <= (o if o < c else c)  # min() and max() cost a call each
            and (c if o < c else o) <= h <= _LARGEST
            and 0 <= v <= _LARGEST
            and start % step == 0
            and (vw is None or (type(vw) is float and 0 < vw <= _LARGEST))
            and (n is None or (type(n) is int and n >= fewest_trades))
        )

    return sound


def report_unsound(
    path: str, symbol: str, timeframe: Timeframe, count: int, first: object, scale: int = 1
) -> None:
    """The WARNING of one read that left out ``count`` rows, the first starting at
    ``first`` (epoch seconds times ``scale``, when it is a number at all)."""
    if not count:
        return
    log.warning(
        "SQLite store %s: %d bar rows of %s %s are not sound bars (written by hand?) and "
        "were left out; the first starts at %s",
        path,
        count,
        symbol,
        timeframe.value,
        _instant(first, scale),
    )


def _instant(start: object, scale: int) -> str:
    if type(start) is not int:
        return repr(start)
    try:
        return iso_utc(datetime.fromtimestamp(start // scale, UTC))
    except (ValueError, OverflowError, OSError):
        return repr(start)
