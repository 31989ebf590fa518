"""The synthetic ``BarSource``: calendar-aware demo bars, clearly labelled as such."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from chronox_adapters.synthetic.generator import MinuteGenerator
from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Fetched, TradingCalendar
from chronox_domain.rollup import roll_up
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
        for session in self._sessions(window, SessionKind.ETH):
            start = max(session.open, window.start)
            end = min(session.close, window.end)
            if start >= end:
                continue
            rth = regular.get(session.date)
            rth_span = (_minute(rth.open), _minute(rth.close)) if rth else (0, 0)
            minutes = _minute_bars(symbol, generator, _minute(start), _minute(end), rth_span)
            if timeframe is Timeframe.M1:
                yield from minutes
                continue
            # A slot the window's start cuts through is not this window's bar.
            yield from (_rounded(b) for b in roll_up(minutes, timeframe) if b.start >= window.start)

    def _daily(self, symbol: str, generator: MinuteGenerator, window: Interval) -> Iterator[Bar]:
        for session in self._sessions(window, SessionKind.RTH):
            stamp = Timeframe.D1.daily_stamp(session.date)
            if not window.start <= stamp < window.end:
                continue
            regular = (_minute(session.open), _minute(session.close))
            minutes = _minute_bars(symbol, generator, *regular, regular)
            yield from (_rounded(bar) for bar in roll_up(minutes, Timeframe.D1, [session]))


def _minute_bars(
    symbol: str, generator: MinuteGenerator, first: int, last: int, rth_span: tuple[int, int]
) -> Iterator[Bar]:
    for t in range(first, last):
        m = generator.minute(t, rth_span[0] <= t < rth_span[1])
        if m is not None:
            yield Bar(symbol, Timeframe.M1, _at(t), *m)


def _rounded(bar: Bar) -> Bar:
    """A rolled-up bar's VWAP to 4 places, as the minutes' are (the demo's numbers,
    pinned by tests and shown in the README, have always been rounded so)."""
    return bar if bar.vwap is None else bar._replace(vwap=round(bar.vwap, 4))


def _minute(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def _at(epoch_minute: int) -> datetime:
    return datetime.fromtimestamp(epoch_minute * 60, UTC)
