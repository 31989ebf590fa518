"""What the stub serves: synthetic bars, and their shapes in the vendor's JSON."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
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
        #: Bars served instead of the synthetic ones of their slot (the vendor's
        #: documented numbers of a day, as traded): ``PolygonStub.pin``.
        self.pinned: dict[tuple[str, Timeframe, datetime], Bar] = {}

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[Bar]:
        whole_slots = Interval(timeframe.floor(window.start), timeframe.ceil(window.end))
        fetched = self._source.fetch(symbol, timeframe, whole_slots).bars
        return [
            self.pinned.get((symbol, timeframe, bar.start), bar)
            for bar in fetched
            if window.contains(bar.start)
        ]

    def page(
        self, symbol: str, timeframe: Timeframe, window: Interval, limit: int, max_bars: int
    ) -> tuple[list[Bar], int, Bar | None]:
        """The vendor's page: (bars, base aggregates used, the next bar if any).

        A page takes whole bars from the start of ``window`` while the base aggregates
        that went into them add up to at most ``limit`` and there are at most
        ``max_bars`` of them (rest.json, ``limit``: "Limits the number of base
        aggregates queried to create the aggregate results"; a bar that does not fit
        whole is left for the next page, as https://polygon.io/blog/aggs-api-updates
        shows: "we will only return the first 1-hour bar since the second is a partial
        bar"). The bar after the page is returned even when it alone holds more than
        ``limit`` base aggregates: the caller decides what to do with it.
        """
        bars: list[Bar] = []
        used = 0
        cursor = window.start
        base_step = timedelta(days=1) if timeframe is Timeframe.D1 else timedelta(minutes=1)
        needed = min(timeframe.step * (max_bars + 1), base_step * (limit + 1))
        chunk = min(max(needed, _FIRST_CHUNK), _LARGEST_CHUNK)
        while cursor < window.end:
            chunk_end = min(cursor + chunk, window.end)
            part = Interval(cursor, chunk_end)
            fetched = self.bars(symbol, timeframe, part)
            counts = self.base_counts(symbol, timeframe, part, fetched)
            for bar, count in zip(fetched, counts, strict=True):
                if len(bars) >= max_bars or used + count > limit:
                    return bars, used, bar
                bars.append(bar)
                used += count
            cursor = chunk_end
            chunk = min(chunk * 2, _LARGEST_CHUNK)
        return bars, used, None

    def base_counts(
        self, symbol: str, timeframe: Timeframe, window: Interval, bars: list[Bar]
    ) -> list[int]:
        """How many base aggregates went into each of ``bars`` (those of ``window``).

        The vendor's base aggregates are minute bars for minute and hour timespans and
        day bars for days (https://polygon.io/blog/aggs-api-updates: "Our base
        aggregates are minute and daily bars"; rest.json, ``queryCount``: "The number
        of aggregates (minute or day) used to generate the response"). Here that is the
        traded 1m bars (extended hours included) inside each result bar's slot.
        """
        if timeframe in (Timeframe.M1, Timeframe.D1) or not bars:
            return [1] * len(bars)
        slots = Interval(timeframe.floor(window.start), timeframe.ceil(window.end))
        minutes = self._source.fetch(symbol, Timeframe.M1, slots).bars
        per_slot = Counter(timeframe.floor(minute.start) for minute in minutes)
        return [per_slot[bar.start] for bar in bars]

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


#: ticker -> [(execution date, split_from, split_to)], as the splits API serves them.
SplitList = list[tuple[date, float, float]]


def session_date(bar: Bar) -> date:
    """The New York trading day a bar belongs to (a daily bar's stamp is its date)."""
    if bar.timeframe is Timeframe.D1:
        return bar.start.date()
    return bar.start.astimezone(_NEW_YORK).date()


def split_adjusted(bars: list[Bar], splits: SplitList) -> list[Bar]:
    """``bars`` as the vendor serves them with ``adjusted=true``.

    rest.json, /v2/aggs/... parameter ``adjusted``: "Whether or not the results are
    adjusted for splits. By default, results are adjusted." A bar traded before a
    split's execution date ("On this date the stock split was applied", rest.json,
    /v3/reference/splits ``execution_date``) has its prices divided by
    ``split_to / split_from`` and its volume multiplied by it; the trade count stays.
    Rounded to 4 decimals, as the vendor's prices and ``vw`` are (rest.json example).
    """
    if not splits:
        return bars
    adjusted: list[Bar] = []
    for bar in bars:
        day = session_date(bar)
        factor = 1.0
        for executed, split_from, split_to in splits:
            if day < executed:
                factor *= split_to / split_from
        if factor == 1.0:
            adjusted.append(bar)
            continue
        adjusted.append(
            bar._replace(
                open=round(bar.open / factor, 4),
                high=round(bar.high / factor, 4),
                low=round(bar.low / factor, 4),
                close=round(bar.close / factor, 4),
                volume=round(bar.volume * factor, 4),
                vwap=None if bar.vwap is None else round(bar.vwap / factor, 4),
            )
        )
    return adjusted
