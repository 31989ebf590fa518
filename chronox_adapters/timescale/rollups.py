"""Roll-ups of stored 1m bars into wider timeframes, computed by the database.

Intraday: TimescaleDB's continuous aggregates, or ``date_bin`` on plain PostgreSQL (the
same epoch-aligned buckets). Daily: the regular-hours minutes of each session, joined
against the sessions the caller passes, in both modes. Same results as
:func:`chronox_domain.rollup.roll_up`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC

import psycopg
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.migrate import TIMESCALE
from chronox_domain.bar import Bar
from chronox_domain.errors import StorageUnavailable, first_line
from chronox_domain.interval import Interval
from chronox_domain.session import Session
from chronox_domain.timeframe import Timeframe


def _aggregates(b: str) -> str:
    """OHLCV of a bucket of 1m rows aliased ``b``: the same rules as the domain's roll_up."""
    return (
        f"(array_agg({b}.open ORDER BY {b}.start))[1], max({b}.high), min({b}.low), "
        f"(array_agg({b}.close ORDER BY {b}.start DESC))[1], sum({b}.volume), "
        f"sum({b}.vwap * {b}.volume) "
        f"/ NULLIF(sum(CASE WHEN {b}.vwap IS NOT NULL THEN {b}.volume END), 0), "
        f"sum({b}.trades)"
    )


_DATE_BIN = f"""
SELECT date_bin(%(step)s, b.start, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,
       {_aggregates("b")}
FROM bars_1m b WHERE b.symbol = %(symbol)s AND b.start >= %(lo)s AND b.start < %(hi)s
GROUP BY bucket ORDER BY bucket
"""

_CAGG_VIEWS = {
    Timeframe.M5: "bars_5m_rollup",
    Timeframe.M15: "bars_15m_rollup",
    Timeframe.H1: "bars_1h_rollup",
}

_DAILY = f"""
SELECT s.stamp, {_aggregates("b")}
FROM unnest(%(opens)s::timestamptz[], %(closes)s::timestamptz[], %(stamps)s::timestamptz[])
     AS s(opens_at, closes_at, stamp)
JOIN bars_1m b ON b.symbol = %(symbol)s AND b.start >= s.opens_at AND b.start < s.closes_at
WHERE s.stamp >= %(lo)s AND s.stamp < %(hi)s
GROUP BY s.stamp ORDER BY s.stamp
"""


class PostgresRollups:
    """``BarRollups`` in SQL: nothing but the resulting bars leaves the database."""

    def __init__(self, pool: ConnectionPool, mode: str) -> None:
        self._pool = pool
        self._mode = mode

    def rolled_up(
        self, symbol: str, timeframe: Timeframe, window: Interval, sessions: Sequence[Session]
    ) -> Iterator[Bar]:
        sql, params = self._query(symbol, timeframe, window, sessions)
        try:
            with self._pool.connection() as conn:
                for start, o, h, lo, c, v, vw, n in conn.execute(sql, params):
                    yield Bar(
                        symbol,
                        timeframe,
                        start.astimezone(UTC),
                        o,
                        h,
                        lo,
                        c,
                        v,
                        vw,
                        None if n is None else int(n),
                    )
        except psycopg.Error as exc:
            raise StorageUnavailable(f"rolling up bars failed: {first_line(exc)}") from None

    def _query(
        self, symbol: str, timeframe: Timeframe, window: Interval, sessions: Sequence[Session]
    ) -> tuple[str, dict[str, object]]:
        params: dict[str, object] = {"symbol": symbol, "lo": window.start, "hi": window.end}
        if timeframe is Timeframe.D1:
            params["opens"] = [s.open for s in sessions]
            params["closes"] = [s.close for s in sessions]
            params["stamps"] = [Timeframe.D1.daily_stamp(s.date) for s in sessions]
            return _DAILY, params
        if self._mode == TIMESCALE and timeframe in _CAGG_VIEWS:
            return (
                "SELECT start, open, high, low, close, volume, "
                "vwap_volume / NULLIF(vwap_weight, 0), trades "
                f"FROM {_CAGG_VIEWS[timeframe]} "
                "WHERE symbol = %(symbol)s AND start >= %(lo)s AND start < %(hi)s ORDER BY start",
                params,
            )
        params["step"] = timeframe.step
        return _DATE_BIN, params
