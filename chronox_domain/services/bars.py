"""Reading stored bars for a range given the way users give ranges."""

from __future__ import annotations

from collections.abc import Iterator

from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.ports import BarRollups, Clock, MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.rollup import roll_up
from chronox_domain.session import Session, SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


class BarsService:
    """Stored bars for a range, or bars rolled up from 1m for timeframes never fetched."""

    def __init__(
        self,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        clock: Clock,
        rollups: BarRollups | None = None,
    ) -> None:
        self._repository = repository
        self._calendar = calendar
        self._clock = clock
        self._rollups = rollups

    def derives(self, symbol: str, timeframe: Timeframe) -> bool:
        """True when ``timeframe`` bars of ``symbol`` come from rolling up 1m bars:
        nothing was ever fetched in that timeframe, but 1m bars were."""
        symbol = parse_symbol(symbol)
        return (
            timeframe is not Timeframe.M1
            and not self._repository.sources(symbol, timeframe)
            and bool(self._repository.sources(symbol, Timeframe.M1))
        )

    def bars(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind = SessionKind.ETH,
    ) -> Iterator[Bar]:
        """Stored bars of the range, streamed in start order.

        Date bounds resolve against ``session``; the default (extended hours) spans
        everything a session date can hold.
        """
        symbol = parse_symbol(symbol)
        resolved = resolve_range(self._calendar, session, timeframe, start, end, self._clock.now())
        if not self.derives(symbol, timeframe):
            return self._repository.bars(symbol, timeframe, resolved.window)
        regular = self._regular_sessions(resolved.sessions)
        if self._rollups is not None:
            return self._rollups.rolled_up(symbol, timeframe, resolved.window, regular)
        return self._roll_up_here(symbol, timeframe, resolved.window, regular)

    def _regular_sessions(self, sessions: list[Session]) -> list[Session]:
        """Daily bars roll up the regular-hours minutes of each session."""
        if not sessions:
            return []
        return self._calendar.sessions(sessions[0].date, sessions[-1].date, SessionKind.RTH)

    def _roll_up_here(
        self, symbol: str, timeframe: Timeframe, window: Interval, regular: list[Session]
    ) -> Iterator[Bar]:
        """Roll up in Python, for stores that do not compute roll-ups themselves."""
        minutes_window = Interval(
            min([window.start, *(s.open for s in regular)]),
            max([window.end, *(s.close for s in regular)]),
        )
        minutes = self._repository.bars(symbol, Timeframe.M1, minutes_window)
        return (bar for bar in roll_up(minutes, timeframe, regular) if window.contains(bar.start))

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        """The sources the stored bars of (symbol, timeframe) came from."""
        return self._repository.sources(parse_symbol(symbol), timeframe)
