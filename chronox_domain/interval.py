"""Half-open UTC intervals and a linear-time algebra over interval lists.

Every list this module returns is *normalised*: sorted by start, disjoint, and with
touching intervals merged. The binary operations expect normalised inputs and walk
both lists once (O(n + m)); nothing here loops per minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chronox_domain.errors import InvalidRange


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """``[start, end)`` between two timezone-aware datetimes, ``start < end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidRange("interval bounds must be timezone-aware")
        if not self.start < self.end:
            raise InvalidRange(f"empty or inverted interval {self.start} .. {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


IntervalList = list[Interval]


def normalize(intervals: Iterable[Interval]) -> IntervalList:
    """Sort and merge overlapping or touching intervals (O(n log n))."""
    ordered = sorted(intervals)
    merged: IntervalList = []
    for current in ordered:
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


def union(left: Sequence[Interval], right: Sequence[Interval]) -> IntervalList:
    """Everything in either list."""
    result: IntervalList = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right) or (i < len(left) and left[i].start <= right[j].start):
            nxt = left[i]
            i += 1
        else:
            nxt = right[j]
            j += 1
        if result and nxt.start <= result[-1].end:
            if nxt.end > result[-1].end:
                result[-1] = Interval(result[-1].start, nxt.end)
        else:
            result.append(nxt)
    return result


def intersect(left: Sequence[Interval], right: Sequence[Interval]) -> IntervalList:
    """Everything in both lists."""
    result: IntervalList = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def subtract(left: Sequence[Interval], right: Sequence[Interval]) -> IntervalList:
    """Everything in ``left`` that is not in ``right``."""
    result: IntervalList = []
    j = 0
    for piece in left:
        start = piece.start
        while j < len(right) and right[j].end <= start:
            j += 1
        k = j
        while k < len(right) and right[k].start < piece.end:
            if right[k].start > start:
                result.append(Interval(start, right[k].start))
            start = max(start, right[k].end)
            if start >= piece.end:
                break
            k += 1
        if start < piece.end:
            result.append(Interval(start, piece.end))
    return result


def clip(intervals: Sequence[Interval], window: Interval) -> IntervalList:
    """The parts of ``intervals`` inside ``window``."""
    return intersect(intervals, [window])


def total_duration(intervals: Iterable[Interval]) -> timedelta:
    return sum((piece.duration for piece in intervals), timedelta())
