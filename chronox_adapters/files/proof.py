"""What a file proves: per session, from its first row's slot to its last row's slot end.

A file is a snapshot, not a service. Inside a session it holds rows for, a minute
without a row is a minute without trades (a hole), as with the vendor. But the file
says nothing about a session it has no row for (a day dropped from it), nor about the
part of a session before its first row or after its last (a file cut off at a row
boundary looks exactly like a quiet afternoon): those stay gaps, to be filled from a
source that can answer for them.

Rows are grouped by their session date, which needs no calendar: an intraday row's is
its New York date (every session, extended hours included, runs 04:00-20:00 New York,
inside one New York date, while in winter its post-market runs past midnight UTC); a
daily row's is the date it is stamped with, and its proof is its own slot, that day.
The spans come out normalised (sorted, disjoint, touching ones merged).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter

from chronox_domain.bar import Bar
from chronox_domain.interval import Interval, IntervalList
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import Timeframe

_START = attrgetter("start")
_DAY = timedelta(days=1)


def proven_spans(bars: list[Bar], timeframe: Timeframe) -> IntervalList:
    """The spans ``bars`` (one series, sorted by start, on the grid) answer for.

    One bisection per session, not one step per bar: a year of minutes is ~250 steps.
    """
    if timeframe is Timeframe.D1:
        return _days(bars)
    spans: IntervalList = []
    step = timeframe.step
    i = 0
    while i < len(bars):
        first = bars[i].start
        next_date = _new_york_midnight(first.astimezone(exchange_timezone()).date() + _DAY)
        i = bisect_left(bars, next_date, lo=i, key=_START)
        # Every grid step divides an hour and New York is a whole number of hours off
        # UTC, so the last slot ends by midnight New York: spans of two dates never overlap.
        spans.append(Interval(first, bars[i - 1].start + step))
    return _merged(spans)


def clipped(spans: IntervalList, window: Interval) -> IntervalList:
    """The parts of ``spans`` (normalised) inside ``window``, found by bisection."""
    lo = bisect_left(spans, window.start, key=attrgetter("end"))
    inside: IntervalList = []
    for span in spans[lo:]:
        if span.start >= window.end:
            break
        start, end = max(span.start, window.start), min(span.end, window.end)
        if start < end:
            inside.append(Interval(start, end))
    return inside


def _days(bars: list[Bar]) -> IntervalList:
    return _merged([Interval(bar.start, bar.start + _DAY) for bar in bars])


def _merged(spans: IntervalList) -> IntervalList:
    """Sorted spans with touching ones merged (the rows are sorted, so one walk)."""
    merged: IntervalList = []
    for span in spans:
        if merged and merged[-1].end == span.start:
            merged[-1] = Interval(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def _new_york_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=exchange_timezone()).astimezone(UTC)
