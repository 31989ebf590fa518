"""The synthetic ``BarSource``: calendar-aware demo bars, clearly labelled as such."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from chronox_adapters.synthetic.generator import Minute, MinuteGenerator
from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Fetched, TradingCalendar
from chronox_domain.session import Session, SessionKind
from chronox_domain.timeframe import Timeframe

NAME = "synthetic"
LABEL = "synthetic demo data, not real market prices"


class SyntheticSource:
    """Plausible OHLCV only inside sessions (extended hours included, like a vendor).

    Higher timeframes are rolled up from the same minutes, so a 5m bar always agrees
    with its five 1m bars. Daily bars roll up the regular-hours minutes.
    """

    name = NAME
    demo = True

    def __init__(self, calendar: TradingCalendar, seed: int = 0, max_bars: int = 50_000) -> None:
        self._calendar = calendar
        self._seed = seed
        self._max_bars = max_bars

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        return RequestLimit(self._max_bars)

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        generator = MinuteGenerator(symbol, self._seed)
        if timeframe is Timeframe.D1:
            bars = list(self._daily(symbol, generator, window))
        else:
            bars = list(self._intraday(symbol, timeframe, generator, window))
        return Fetched(bars, [window])

    def _sessions(self, window: Interval, kind: SessionKind) -> list[Session]:
        first = max(window.start.date() - timedelta(days=1), self._calendar.first_date)
        last = min(window.end.date(), self._calendar.last_date)
        return self._calendar.sessions(first, last, kind) if first <= last else []

    def _intraday(
        self, symbol: str, timeframe: Timeframe, generator: MinuteGenerator, window: Interval
    ) -> Iterator[Bar]:
        regular = {s.date: s for s in self._sessions(window, SessionKind.RTH)}
        width = timeframe.seconds // 60
        for session in self._sessions(window, SessionKind.ETH):
            start = max(session.open, window.start)
            end = min(session.close, window.end)
            if start >= end:
                continue
            rth = regular.get(session.date)
            rth_span = (_minute(rth.open), _minute(rth.close)) if rth else (0, 0)
            if width == 1:
                yield from _minute_bars(symbol, generator, _minute(start), _minute(end), rth_span)
                continue
            first_slot = _minute(timeframe.floor(start))
            for slot in range(first_slot, _minute(end), width):
                lo = max(slot, _minute(session.open), _minute(start))
                hi = min(slot + width, _minute(session.close), _minute(end))
                minutes = [
                    m
                    for t in range(lo, hi)
                    if (m := generator.minute(t, rth_span[0] <= t < rth_span[1])) is not None
                ]
                if minutes and window.start <= _at(slot) < window.end:
                    yield _roll_up(symbol, timeframe, _at(slot), minutes)

    def _daily(self, symbol: str, generator: MinuteGenerator, window: Interval) -> Iterator[Bar]:
        for session in self._sessions(window, SessionKind.RTH):
            stamp = Timeframe.D1.daily_stamp(session.date)
            if not window.start <= stamp < window.end:
                continue
            minutes = [
                m
                for t in range(_minute(session.open), _minute(session.close))
                if (m := generator.minute(t, True)) is not None
            ]
            if minutes:
                yield _roll_up(symbol, Timeframe.D1, stamp, minutes)


def _minute_bars(
    symbol: str, generator: MinuteGenerator, first: int, last: int, rth_span: tuple[int, int]
) -> Iterator[Bar]:
    for t in range(first, last):
        m = generator.minute(t, rth_span[0] <= t < rth_span[1])
        if m is not None:
            yield Bar(symbol, Timeframe.M1, _at(t), *m)


def _roll_up(symbol: str, timeframe: Timeframe, start: datetime, minutes: list[Minute]) -> Bar:
    volume = sum(m[4] for m in minutes)
    vwap = sum(m[5] * m[4] for m in minutes) / volume
    return Bar(
        symbol=symbol,
        timeframe=timeframe,
        start=start,
        open=minutes[0][0],
        high=max(m[1] for m in minutes),
        low=min(m[2] for m in minutes),
        close=minutes[-1][3],
        volume=volume,
        vwap=round(vwap, 4),
        trades=sum(m[6] for m in minutes),
    )


def _minute(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def _at(epoch_minute: int) -> datetime:
    return datetime.fromtimestamp(epoch_minute * 60, UTC)
