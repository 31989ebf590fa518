"""How much of a range the ledger accounts for: the monitor's coverage % per symbol.

Counted in bar slots of the expected session time, each slot in exactly one class, the
most settled that applies: final, then provisional, then unconfirmed (answered empty
once), else missing. A slot belongs to a class only when wholly inside it: one that a
span ends inside (a file cut mid-slot) is missing, so the classes always add up to the
expected slots. Slots that have not ended yet are not expected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chronox_domain.coverage import CoverageSpan, CoverageStatus, of_status, unconfirmed
from chronox_domain.interval import Interval, IntervalList, intersect, subtract
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    symbol: str
    timeframe: Timeframe
    #: The asked range, slot-aligned, its end clipped to the last slot that has ended
    #: (``end == start`` for a range that has not begun).
    start: datetime
    end: datetime
    expected: int
    final: int
    provisional: int
    unconfirmed: int
    missing: int

    @property
    def covered(self) -> int:
        """Slots a source answered for with bars or settled emptiness (not the
        unconfirmed ones, which are asked again)."""
        return self.final + self.provisional

    @property
    def percent(self) -> float | None:
        """The covered share of the expected slots, 0-100; None when none is expected."""
        if self.expected == 0:
            return None
        return 100.0 * self.covered / self.expected


def summarize(
    symbol: str,
    timeframe: Timeframe,
    start: datetime,
    end: datetime,
    expected: Sequence[Interval],
    spans: Sequence[CoverageSpan],
) -> CoverageSummary:
    """Classify the slots of ``expected`` (normalised, slot-aligned) in ``[start, end)``."""
    wanted = intersect(expected, [Interval(start, end)]) if start < end else []
    final = intersect(wanted, of_status(spans, CoverageStatus.FINAL))
    rest = subtract(wanted, final)
    provisional = intersect(rest, of_status(spans, CoverageStatus.PROVISIONAL))
    rest = subtract(rest, provisional)
    waiting = intersect(rest, unconfirmed(spans))
    owed, *classes = (_slots(pieces, timeframe) for pieces in (wanted, final, provisional, waiting))
    return CoverageSummary(
        symbol=symbol,
        timeframe=timeframe,
        start=start,
        end=end,
        expected=owed,
        final=classes[0],
        provisional=classes[1],
        unconfirmed=classes[2],
        # Not the slots of what is left: a slot cut by a span's end lies in no class.
        missing=owed - sum(classes),
    )


def _slots(intervals: IntervalList, timeframe: Timeframe) -> int:
    # Ledger spans may end off the grid (a file cut mid-slot): count whole slots only.
    return sum(
        timeframe.slots_in(timeframe.ceil(piece.start), timeframe.floor(piece.end))
        for piece in intervals
        if timeframe.floor(piece.end) > timeframe.ceil(piece.start)
    )


__all__ = ["CoverageSummary", "summarize"]
