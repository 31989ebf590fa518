"""The coverage ledger: what a fetch earns, how entries merge, what keeps time off the gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronox_domain.coverage import (
    CoverageSpan,
    CoverageStatus,
    covered_for_gaps,
    merge_spans,
    spans_for_fetch,
)
from chronox_domain.interval import Interval

FINAL, PROVISIONAL = CoverageStatus.FINAL, CoverageStatus.PROVISIONAL
DAY = datetime(2024, 11, 26, tzinfo=UTC)


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def span(start: float, end: float, status: CoverageStatus, source: str = "polygon") -> CoverageSpan:
    return CoverageSpan(Interval(at(start), at(end)), status, source)


def final(start: float, end: float, source: str = "polygon") -> CoverageSpan:
    return span(start, end, FINAL, source)


def provisional(start: float, end: float, source: str = "polygon") -> CoverageSpan:
    return span(start, end, PROVISIONAL, source)


def hours(intervals: list[Interval]) -> list[tuple[float, float]]:
    hour = timedelta(hours=1)
    return [((piece.start - DAY) / hour, (piece.end - DAY) / hour) for piece in intervals]


def assert_normalised(ledger: list[CoverageSpan]) -> None:
    """Sorted by start; no two entries overlap; an entry's own source and status never
    touch it (those would have been merged)."""
    assert ledger == sorted(ledger, key=lambda s: (s.interval.start, s.interval.end))
    for i, left in enumerate(ledger):
        for right in ledger[i + 1 :]:
            assert not left.interval.overlaps(right.interval), (left, right)
            same_kind = (left.status, left.source) == (right.status, right.source)
            touching = left.interval.end == right.interval.start
            assert not (same_kind and touching), (left, right)


# -- spans_for_fetch ------------------------------------------------------------------


def test_a_fetch_that_ended_before_the_horizon_is_all_final():
    assert spans_for_fetch(Interval(at(14), at(21)), "polygon", at(22)) == [final(14, 21)]


def test_a_fetch_that_ends_at_the_horizon_is_still_all_final():
    assert spans_for_fetch(Interval(at(14), at(21)), "polygon", at(21)) == [final(14, 21)]


def test_a_fetch_across_the_horizon_splits_there():
    assert spans_for_fetch(Interval(at(14), at(21)), "polygon", at(17)) == [
        final(14, 17),
        provisional(17, 21),
    ]


def test_a_fetch_after_the_horizon_is_all_provisional():
    assert spans_for_fetch(Interval(at(14), at(21)), "polygon", at(14)) == [provisional(14, 21)]
    assert spans_for_fetch(Interval(at(14), at(21)), "polygon", at(9)) == [provisional(14, 21)]


# -- merge_spans ----------------------------------------------------------------------


def test_merging_into_an_empty_ledger_keeps_the_fetch():
    assert merge_spans([], [final(14, 17), provisional(17, 21)]) == [
        final(14, 17),
        provisional(17, 21),
    ]


def test_final_entries_of_one_source_merge_when_they_touch_or_overlap():
    assert merge_spans([final(14, 16)], [final(16, 18)]) == [final(14, 18)]
    assert merge_spans([final(14, 17)], [final(15, 18)]) == [final(14, 18)]


def test_final_of_another_source_replaces_final_where_they_overlap():
    merged = merge_spans([final(14, 18, "files")], [final(16, 21, "polygon")])
    assert merged == [final(14, 16, "files"), final(16, 21, "polygon")]
    assert_normalised(merged)


def test_final_inside_another_sources_final_cuts_it_in_two():
    merged = merge_spans([final(14, 21, "files")], [final(16, 17, "polygon")])
    assert merged == [final(14, 16, "files"), final(16, 17, "polygon"), final(17, 21, "files")]


def test_provisional_never_downgrades_final():
    merged = merge_spans([final(14, 18)], [provisional(16, 21, "live")])
    assert merged == [final(14, 18), provisional(18, 21, "live")]
    assert_normalised(merged)


def test_provisional_entirely_inside_final_leaves_no_trace():
    assert merge_spans([final(14, 21)], [provisional(15, 16)]) == [final(14, 21)]


def test_final_replaces_provisional():
    merged = merge_spans([provisional(14, 21, "live")], [final(14, 18, "polygon")])
    assert merged == [final(14, 18, "polygon"), provisional(18, 21, "live")]


def test_newer_provisional_replaces_older_provisional():
    merged = merge_spans([provisional(14, 18, "live")], [provisional(16, 21, "polygon")])
    assert merged == [provisional(14, 16, "live"), provisional(16, 21, "polygon")]
    assert_normalised(merged)


def test_a_refetch_turns_the_settled_part_of_provisional_coverage_final():
    ledger = merge_spans([], spans_for_fetch(Interval(at(14), at(21)), "polygon", at(17)))
    ledger = merge_spans(ledger, spans_for_fetch(Interval(at(17), at(21)), "polygon", at(19)))
    assert ledger == [final(14, 19), provisional(19, 21)]


def test_a_merged_ledger_is_sorted_disjoint_and_merged():
    existing = [final(9, 12, "files"), provisional(13, 15, "live"), final(16, 18)]
    added = [final(11, 14), provisional(14, 17), final(20, 21), final(21, 22)]
    merged = merge_spans(existing, added)
    assert_normalised(merged)
    assert merged == [
        final(9, 11, "files"),
        final(11, 14),
        provisional(14, 16),
        final(16, 18),
        final(20, 22),
    ]


# -- covered_for_gaps -----------------------------------------------------------------


def test_final_coverage_keeps_time_off_the_gaps_whatever_the_horizon():
    assert hours(covered_for_gaps([final(14, 21)], at(10))) == [(14, 21)]
    assert hours(covered_for_gaps([final(14, 21)], at(30))) == [(14, 21)]


def test_provisional_coverage_counts_only_after_the_horizon():
    ledger = [provisional(14, 21)]
    assert hours(covered_for_gaps(ledger, at(10))) == [(14, 21)]  # all of it young
    assert hours(covered_for_gaps(ledger, at(17))) == [(17, 21)]  # older part is a gap again
    assert covered_for_gaps(ledger, at(21)) == []  # all of it settled: all a gap again


def test_young_provisional_coverage_joins_final_coverage_it_touches():
    ledger = [final(14, 17), provisional(17, 21, "live")]
    assert hours(covered_for_gaps(ledger, at(16))) == [(14, 21)]
    assert hours(covered_for_gaps(ledger, at(19))) == [(14, 17), (19, 21)]


def test_covered_time_is_normalised_across_sources():
    ledger = [final(16, 18, "files"), final(14, 16), provisional(20, 22), final(21, 23, "x")]
    assert hours(covered_for_gaps(ledger, at(12))) == [(14, 18), (20, 23)]
