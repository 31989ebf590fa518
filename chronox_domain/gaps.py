"""Gap windows and holes: what is still missing, and what the vendor had no trades for.

* **gap windows** = expected slot windows, clipped to the asked range and to the
  horizon (now minus the settle delay), minus the coverage that still counts there.
* **holes** = expected bar slots inside final coverage that hold no bar. They are
  informational: the source confirmed there was nothing to fetch.
* **unlisted** = slot windows of the range's sessions that the symbol did not trade
  (before its listing, from its delisting: :mod:`chronox_domain.listing`). Not expected,
  so never a gap; informational too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chronox_domain.interval import Interval, IntervalList, clip, intersect, subtract
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class GapWindow:
    """A run of expected bar slots nobody has fetched (or a hole: fetched, empty)."""

    symbol: str
    timeframe: Timeframe
    interval: Interval

    @property
    def bars(self) -> int:
        """How many bar slots the window spans."""
        return self.timeframe.slots_in(self.interval.start, self.interval.end)


def find_gaps(
    expected: Sequence[Interval],
    covered: Sequence[Interval],
    window: Interval,
) -> IntervalList:
    """Expected time inside ``window`` that ``covered`` does not account for.

    ``expected`` and ``covered`` are normalised lists; ``window`` is the asked range
    already clipped to the horizon. Linear in the sizes of both lists.
    """
    return subtract(clip(expected, window), covered)


def find_unlisted(
    expected: Sequence[Interval],
    listed: Sequence[Interval],
    window: Interval,
) -> IntervalList:
    """Time inside ``window`` expected of the range's sessions (``expected``) but not of
    the sessions the symbol traded (``listed``, a subset). Both are normalised lists."""
    return subtract(clip(expected, window), listed)


def find_holes(
    final_covered: Sequence[Interval],
    expected: Sequence[Interval],
    bar_starts: Iterable[datetime],
    timeframe: Timeframe,
) -> IntervalList:
    """Runs of expected slots inside final coverage that hold no bar.

    ``bar_starts`` must be sorted. One walk over the slots of the covered expected
    time and the bar starts together.
    """
    holes: IntervalList = []
    step = timeframe.step
    starts = iter(bar_starts)
    next_bar = next(starts, None)
    for piece in intersect(expected, final_covered):
        slot = piece.start
        run_start: datetime | None = None
        while slot < piece.end:
            while next_bar is not None and next_bar < slot:
                next_bar = next(starts, None)
            if next_bar == slot:
                if run_start is not None:
                    holes.append(Interval(run_start, slot))
                    run_start = None
            elif run_start is None:
                run_start = slot
            slot += step
        if run_start is not None:
            holes.append(Interval(run_start, piece.end))
    return holes
