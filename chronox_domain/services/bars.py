"""Reading stored bars for a range given the way users give ranges."""

from __future__ import annotations

from collections.abc import Iterator

from chronox_domain.bar import Bar
from chronox_domain.ports import Clock, MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


class BarsService:
    def __init__(
        self, repository: MarketDataRepository, calendar: TradingCalendar, clock: Clock
    ) -> None:
        self._repository = repository
        self._calendar = calendar
        self._clock = clock

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
        resolved = resolve_range(self._calendar, session, timeframe, start, end, self._clock.now())
        return self._repository.bars(parse_symbol(symbol), timeframe, resolved.window)

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        """The sources the stored bars of (symbol, timeframe) came from."""
        return self._repository.sources(parse_symbol(symbol), timeframe)
