"""The coverage ledger: which spans of time a source has already answered for.

For each (symbol, timeframe) the ledger keeps spans, each either

* ``FINAL``: fetched from history after the window had closed and settled, or
* ``PROVISIONAL``: seen live, or fetched while too recent to be final (the vendor
  re-sends corrected minute bars when late trades arrive).

Only final coverage closes a gap for good. Provisional coverage keeps a window off the
gap list only while it is younger than the settle delay; after that it is a gap again,
which is how end-of-day reconciliation of live bars falls out of the same rule.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chronox_domain.interval import Interval, IntervalList, normalize, subtract, union


class CoverageStatus(enum.Enum):
    FINAL = "final"
    PROVISIONAL = "provisional"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CoverageSpan:
    """A span of time one source answered for, with how settled that answer is."""

    interval: Interval
    status: CoverageStatus
    source: str


def spans_for_fetch(window: Interval, source: str, horizon: datetime) -> list[CoverageSpan]:
    """The ledger entries a completed fetch of ``window`` earns.

    The part that ended before ``horizon`` (now minus the settle delay) is final; the
    rest is provisional.
    """
    spans: list[CoverageSpan] = []
    if window.start < horizon:
        final_end = min(window.end, horizon)
        spans.append(CoverageSpan(Interval(window.start, final_end), CoverageStatus.FINAL, source))
    if window.end > horizon:
        provisional_start = max(window.start, horizon)
        spans.append(
            CoverageSpan(
                Interval(provisional_start, window.end), CoverageStatus.PROVISIONAL, source
            )
        )
    return spans


def of_status(spans: Iterable[CoverageSpan], status: CoverageStatus) -> IntervalList:
    return normalize(span.interval for span in spans if span.status is status)


def merge_spans(
    existing: Sequence[CoverageSpan], added: Sequence[CoverageSpan]
) -> list[CoverageSpan]:
    """The ledger after recording ``added`` on top of ``existing``.

    Newer entries win where they overlap older ones, except that provisional
    coverage never downgrades final coverage. The result is normalised per
    (status, source): sorted, disjoint, merged.
    """
    added_final = of_status(added, CoverageStatus.FINAL)
    final_pieces: dict[str, IntervalList] = {}
    provisional_pieces: dict[str, IntervalList] = {}
    added_all = normalize(span.interval for span in added)

    for span in existing:
        if span.status is CoverageStatus.FINAL:
            # Final stays final; a refetch from the same or another source replaces it.
            keep = subtract([span.interval], added_final)
            final_pieces.setdefault(span.source, []).extend(keep)
        else:
            keep = subtract([span.interval], added_all)
            provisional_pieces.setdefault(span.source, []).extend(keep)

    for span in added:
        if span.status is CoverageStatus.FINAL:
            final_pieces.setdefault(span.source, []).append(span.interval)

    all_final = normalize(piece for pieces in final_pieces.values() for piece in pieces)
    for span in added:
        if span.status is CoverageStatus.PROVISIONAL:
            keep = subtract([span.interval], all_final)
            provisional_pieces.setdefault(span.source, []).extend(keep)

    merged: list[CoverageSpan] = []
    for status, by_source in (
        (CoverageStatus.FINAL, final_pieces),
        (CoverageStatus.PROVISIONAL, provisional_pieces),
    ):
        for source, pieces in by_source.items():
            merged.extend(CoverageSpan(piece, status, source) for piece in normalize(pieces))
    merged.sort(key=lambda span: (span.interval.start, span.interval.end))
    return merged


def covered_for_gaps(spans: Sequence[CoverageSpan], horizon: datetime) -> IntervalList:
    """The coverage that keeps time off the gap list at ``horizon``.

    Final coverage everywhere; provisional coverage only after ``horizon`` (it is
    younger than the settle delay there, and is a gap again once it is older).
    """
    final = of_status(spans, CoverageStatus.FINAL)
    provisional = of_status(spans, CoverageStatus.PROVISIONAL)
    young = [piece for piece in provisional if piece.end > horizon]
    young = [Interval(max(piece.start, horizon), piece.end) for piece in young]
    return union(final, young)
