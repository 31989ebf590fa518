"""What the stub serves: synthetic bars, and their shapes in the vendor's JSON."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import Bar, Interval, Timeframe
from chronox_domain.ports import TradingCalendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NEW_YORK = ZoneInfo("America/New_York")
MILLISECOND = timedelta(milliseconds=1)

#: The vendor's (multiplier, timespan) for each timeframe the stub serves.
TIMESPANS: dict[tuple[int, str], Timeframe] = {
    (1, "minute"): Timeframe.M1,
    (5, "minute"): Timeframe.M5,
    (15, "minute"): Timeframe.M15,
    (1, "hour"): Timeframe.H1,
    (1, "day"): Timeframe.D1,
}

# A page is generated in growing chunks, so it costs about its own size, not the size of
# everything from ``from`` to ``to``.
_FIRST_CHUNK = timedelta(hours=6)
_LARGEST_CHUNK = timedelta(days=366)


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // MILLISECOND


def from_ms(ms: int) -> datetime:
    return EPOCH + ms * MILLISECOND


class StubData:
    """Deterministic bars per (symbol, timeframe): the synthetic source's.

    A bar belongs to a window when its *start* lies in it, and it is always the whole
    bar (a 5m bar starting one minute before the window's end holds all five minutes),
    however the window is cut into pages.
    """

    def __init__(self, calendar: TradingCalendar, seed: int) -> None:
        self._source = SyntheticSource(calendar, seed)

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[Bar]:
        whole_slots = Interval(timeframe.floor(window.start), timeframe.ceil(window.end))
        fetched = self._source.fetch(symbol, timeframe, whole_slots).bars
        return [bar for bar in fetched if window.contains(bar.start)]

    def page(
        self, symbol: str, timeframe: Timeframe, window: Interval, size: int
    ) -> tuple[list[Bar], Bar | None]:
        """The first ``size`` bars of ``window``, and the bar after them if there is one."""
        bars: list[Bar] = []
        cursor = window.start
        chunk = min(max(timeframe.step * (size + 1), _FIRST_CHUNK), _LARGEST_CHUNK)
        while cursor < window.end and len(bars) <= size:
            chunk_end = min(cursor + chunk, window.end)
            bars.extend(self.bars(symbol, timeframe, Interval(cursor, chunk_end)))
            cursor = chunk_end
            chunk = min(chunk * 2, _LARGEST_CHUNK)
        return bars[:size], bars[size] if len(bars) > size else None

    def around(
        self, symbol: str, timeframe: Timeframe, window: Interval, count: int
    ) -> tuple[list[Bar], list[Bar]]:
        """Up to ``count`` real bars just before ``window`` and just after it."""
        reach = max(timedelta(days=10), timeframe.step * count * 3)
        before = self.bars(symbol, timeframe, Interval(window.start - reach, window.start))
        after = self.bars(symbol, timeframe, Interval(window.end, window.end + reach))
        return before[-count:], after[:count]


def _vendor_stamp(bar: Bar) -> datetime:
    """The vendor stamps a daily bar at midnight New York of its session date (05:00Z
    or 04:00Z); chronox stamps it 00:00Z. Intraday stamps agree."""
    if bar.timeframe is not Timeframe.D1:
        return bar.start
    return datetime.combine(bar.start.date(), time(0), _NEW_YORK).astimezone(UTC)


def rest_result(bar: Bar) -> dict[str, Any]:
    """One element of an aggregates response's ``results``."""
    result: dict[str, Any] = {
        "v": bar.volume,
        "vw": bar.vwap,
        "o": bar.open,
        "c": bar.close,
        "h": bar.high,
        "l": bar.low,
        "t": to_ms(_vendor_stamp(bar)),
        "n": bar.trades,
    }
    # The vendor leaves out what it does not have rather than sending null.
    return {key: value for key, value in result.items() if value is not None}
