"""Request planning: turn gap windows into as few vendor requests as the vendor allows."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chronox_domain.errors import InvalidInput
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class RequestLimit:
    """How much one request may read: ``count`` slots of ``unit``.

    A vendor may count something finer than the bars it answers with: Polygon's
    ``limit`` counts the *minute* aggregates an hourly answer is built from, so a page
    of 1h bars holds 50,000 minutes, not 50,000 hours. ``unit`` None means the bars'
    own timeframe.
    """

    count: int
    unit: Timeframe | None = None

    def unit_of(self, timeframe: Timeframe) -> Timeframe:
        return self.unit if self.unit is not None else timeframe


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One vendor call: it asks for ``window`` and answers for exactly ``parts``.

    ``parts`` are gap windows (session time); between them lies only closed time, so
    the call fetches nothing it does not need. Bars outside ``parts`` (pre-market bars
    on an RTH request, say) are dropped, and only ``parts`` are recorded as covered.
    ``ticker`` is the vendor ticker to ask when it is not the symbol's own (a renamed
    company's history: :mod:`chronox_domain.renames`).
    """

    parts: tuple[Interval, ...]
    ticker: str | None = None

    @property
    def window(self) -> Interval:
        return Interval(self.parts[0].start, self.parts[-1].end)

    def bars(self, timeframe: Timeframe) -> int:
        return sum(timeframe.slots_in(part.start, part.end) for part in self.parts)


def plan_requests(
    gaps: Sequence[Interval],
    expected: Sequence[Interval],
    timeframe: Timeframe,
    max_bars: int,
    returned: Sequence[Interval] | None = None,
    unit: Timeframe | None = None,
) -> list[PlannedRequest]:
    """Plan vendor requests that fetch exactly ``gaps``.

    ``max_bars`` counts slots of ``unit`` (default: ``timeframe``), the unit the vendor
    counts its limit in; every request reads at most that many.

    * a gap longer than ``max_bars`` units is split into chunks that fit;
    * consecutive gaps are merged into one request while the request stays within
      ``max_bars`` and nothing but closed time (no expected slot) lies between them.

    ``returned`` is the time the vendor answers with bars whatever was asked for
    (extended hours, when regular hours are planned): a merged request's window also
    spans that time between its parts, and those slots count against ``max_bars`` too,
    so that one request really is one page. ``gaps``, ``expected`` and ``returned`` are
    normalised; every gap lies inside ``expected``, and ``expected`` inside ``returned``.
    """
    if max_bars < 1:
        raise InvalidInput(f"max bars per request must be positive, got {max_bars}")
    unit = unit or timeframe
    if unit.step * max_bars < timeframe.step:
        raise InvalidInput(f"a request of {max_bars} x {unit} cannot hold one {timeframe} bar")
    pieces = _split(gaps, timeframe, unit.step * max_bars)
    between = _SlotCounter(returned, unit) if returned is not None else None
    requests: list[PlannedRequest] = []
    current: list[Interval] = []
    current_bars = 0
    e = 0  # index into expected: the window holding the end of the current request
    for piece in pieces:
        piece_bars = unit.slots_in(piece.start, piece.end)
        if current and between is not None:
            # Slots the vendor returns in the closed time bridged by merging.
            piece_bars += between.count(current[-1].end, piece.start)
        if current and current_bars + piece_bars <= max_bars:
            while e < len(expected) and expected[e].end < current[-1].end:
                e += 1
            # Only closed time in between: the previous part ends its expected window
            # and this piece starts the very next one.
            joinable = (
                e < len(expected)
                and expected[e].end == current[-1].end
                and e + 1 < len(expected)
                and expected[e + 1].start == piece.start
            )
            if joinable:
                current.append(piece)
                current_bars += piece_bars
                continue
        if current:
            requests.append(PlannedRequest(tuple(current)))
        current = [piece]
        current_bars = unit.slots_in(piece.start, piece.end)
    if current:
        requests.append(PlannedRequest(tuple(current)))
    return requests


def _split(gaps: Sequence[Interval], timeframe: Timeframe, most: timedelta) -> list[Interval]:
    """Gaps cut into pieces of at most ``most``, on the bars' slot grid."""
    chunk = timeframe.step * (most // timeframe.step)
    pieces: list[Interval] = []
    for gap in gaps:
        start = gap.start
        while gap.end - start > chunk:
            pieces.append(Interval(start, start + chunk))
            start += chunk
        pieces.append(Interval(start, gap.end))
    return pieces


class _SlotCounter:
    """Slots of a normalised interval list inside any span, in O(log n) a query."""

    def __init__(self, windows: Sequence[Interval], timeframe: Timeframe) -> None:
        self._windows = list(windows)
        self._starts = [w.start for w in self._windows]
        self._timeframe = timeframe
        self._before = [0]  # _before[i]: slots of windows[:i]
        for window in self._windows:
            self._before.append(self._before[-1] + timeframe.slots_in(window.start, window.end))

    def count(self, start: datetime, end: datetime) -> int:
        if start >= end:
            return 0
        return self._upto(end) - self._upto(start)

    def _upto(self, moment: datetime) -> int:
        """Slots of the windows before ``moment``."""
        i = bisect_right(self._starts, moment)  # windows[:i] start at or before moment
        if i == 0:
            return 0
        last = self._windows[i - 1]
        inside = self._timeframe.slots_in(last.start, min(last.end, moment))
        return self._before[i - 1] + inside
