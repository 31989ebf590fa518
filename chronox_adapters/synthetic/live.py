"""The synthetic ``LiveBarSource``: the same demo minutes, delivered as they "form".

Real time by default (each minute's bars right after the minute closes, during
sessions); or a replay from a chosen moment at a chosen speed, for demos and tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

from chronox_adapters.synthetic.source import NAME, SyntheticSource
from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput
from chronox_domain.interval import Interval
from chronox_domain.ports import TradingCalendar
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

MINUTE = timedelta(minutes=1)


class SyntheticLiveSource:
    name = NAME
    demo = True
    #: Generated in process: it never loses a connection.
    reconnects = 0

    def __init__(
        self,
        calendar: TradingCalendar,
        seed: int = 0,
        replay_from: datetime | None = None,
        speed: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if speed <= 0:
            raise InvalidInput("the synthetic live speed must be positive")
        self._history = SyntheticSource(calendar, seed)
        self._replay_from = replay_from
        self._speed = speed
        self._now = now

    async def stream(self, symbols: Sequence[str], timeframe: Timeframe) -> AsyncIterator[Bar]:
        if timeframe is not Timeframe.M1:
            raise InvalidInput("the live feed carries 1m bars only")
        tickers = [parse_symbol(s) for s in symbols]
        minute = Timeframe.M1.floor(self._replay_from or self._now())
        while True:
            await self._wait_until_closed(minute)
            window = Interval(minute, minute + MINUTE)
            for ticker in tickers:
                for bar in self._history.fetch(ticker, Timeframe.M1, window).bars:
                    yield bar
            minute += MINUTE

    async def _wait_until_closed(self, minute: datetime) -> None:
        if self._replay_from is not None:
            await asyncio.sleep(60 / self._speed)
            return
        delay = (minute + MINUTE - self._now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
