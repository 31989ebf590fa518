"""Which rows of a bar table are bars, judged by the server as it reads them.

Every bar chronox writes passed the domain's invariants (:func:`chronox_domain.bar.
bar_problem`), but ``double precision`` also holds ``NaN`` and ``Infinity``, and a row
written by hand may hold them, a negative volume or a low above the open. Such a row is
left out of every read, with one WARNING per read naming how many and the first: it
must not pass into an answer (``NaN`` is no JSON, and a roll-up spreads it).

The test is a SQL expression evaluated by PostgreSQL beside the row (in ``double
precision`` NaN sorts above every number, Infinity included, so ``< 'Infinity'`` keeps
both out).
"""

from __future__ import annotations

import logging

from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_FINITE = "< 'Infinity'::float8"


def sound_bar(timeframe: Timeframe) -> str:
    """A boolean SQL expression: the row is a sound bar of ``timeframe``."""
    return (
        f"(low > 0 AND low <= least(open, close) AND greatest(open, close) <= high "
        f"AND high {_FINITE} AND volume >= 0 AND volume {_FINITE} "
        f"AND (vwap IS NULL OR (vwap > 0 AND vwap {_FINITE})) "
        "AND (trades IS NULL OR trades >= 0) "
        f"AND mod(date_part('epoch', start)::numeric, {timeframe.seconds}) = 0)"
    )


def report_unsound(
    where: str, symbol: str, timeframe: Timeframe, count: int, first: object
) -> None:
    if count:
        log.warning(
            "PostgreSQL at %s: %d bar rows of %s %s are not sound bars (written by hand?) "
            "and were left out; the first starts at %s",
            where,
            count,
            symbol,
            timeframe.value,
            first,
        )
