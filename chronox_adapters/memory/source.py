"""A bar source over bars held in memory, which remembers every request it served."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Fetched
from chronox_domain.timeframe import Timeframe


class MemorySource:
    """Serves the bars it was given; ``requests`` lists every window asked for."""

    demo = False

    def __init__(
        self, bars: Iterable[Bar] = (), name: str = "memory", max_bars: int = 50_000
    ) -> None:
        self.name = name
        self._max_bars = max_bars
        self._bars: dict[tuple[str, Timeframe], list[Bar]] = {}
        for bar in bars:
            self._bars.setdefault((bar.symbol, bar.timeframe), []).append(bar)
        for series in self._bars.values():
            series.sort(key=lambda bar: bar.start)
        self.requests: list[tuple[str, Timeframe, Interval]] = []

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        return RequestLimit(self._max_bars)

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        self.requests.append((symbol, timeframe, window))
        series = self._bars.get((symbol, timeframe), [])
        starts = [bar.start for bar in series]
        lo = bisect_left(starts, window.start)
        hi = bisect_left(starts, window.end)
        return Fetched(series[lo:hi], [window])
