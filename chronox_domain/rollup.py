"""Rolling 1m bars up into wider timeframes.

For timeframes the source was not asked for, bars are derived from stored 1m bars:
intraday buckets on the timeframe's slot grid, daily bars from the regular-hours minutes
of each session (stamped with the session date, like a fetched daily bar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput
from chronox_domain.session import Session
from chronox_domain.timeframe import Timeframe


def roll_up(
    minutes: Iterable[Bar], timeframe: Timeframe, sessions: Sequence[Session] = ()
) -> Iterator[Bar]:
    """Bars of ``timeframe`` from sorted 1m ``minutes`` (streamed, one bucket in memory).

    Daily bars need the regular-hours ``sessions`` the minutes belong to; minutes
    outside every session (pre- and post-market) are left out of daily bars.
    """
    if timeframe is Timeframe.M1:
        yield from minutes
        return
    bucket_of: Callable[[datetime], datetime | None] = (
        _daily_buckets(sessions) if timeframe is Timeframe.D1 else timeframe.floor
    )
    bucket: list[Bar] = []
    current: datetime | None = None
    for minute in minutes:
        stamp = bucket_of(minute.start)
        if stamp is None:
            continue
        if stamp != current and bucket:
            assert current is not None
            yield _aggregate(bucket, timeframe, current)
            bucket = []
        current = stamp
        bucket.append(minute)
    if bucket and current is not None:
        yield _aggregate(bucket, timeframe, current)


def _daily_buckets(sessions: Sequence[Session]) -> Callable[[datetime], datetime | None]:
    if not sessions:
        raise InvalidInput("daily roll-ups need the sessions of the range")
    ordered = sorted(sessions, key=lambda s: s.open)
    index = 0

    def bucket_of(moment: datetime) -> datetime | None:
        nonlocal index  # minutes arrive sorted, so the session index only moves forward
        while index < len(ordered) and ordered[index].close <= moment:
            index += 1
        if index < len(ordered) and ordered[index].open <= moment:
            return Timeframe.D1.daily_stamp(ordered[index].date)
        return None

    return bucket_of


def _aggregate(minutes: list[Bar], timeframe: Timeframe, start: datetime) -> Bar:
    volume = sum(m.volume for m in minutes)
    weighted = [(m.vwap, m.volume) for m in minutes if m.vwap is not None]
    weight = sum(v for _, v in weighted)
    vwap = sum(p * v for p, v in weighted) / weight if weighted and weight > 0 else None
    trades = [m.trades for m in minutes if m.trades is not None]
    return Bar(
        symbol=minutes[0].symbol,
        timeframe=timeframe,
        start=start,
        open=minutes[0].open,
        high=max(m.high for m in minutes),
        low=min(m.low for m in minutes),
        close=minutes[-1].close,
        volume=volume,
        vwap=vwap,
        trades=sum(trades) if trades else None,
    )
