"""Request planning: gap windows turned into as few vendor requests as the vendor allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronox_domain.errors import InvalidInput
from chronox_domain.gaps import find_gaps
from chronox_domain.interval import Interval, IntervalList, normalize
from chronox_domain.planning import PlannedRequest, plan_requests
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe
from tests.property.strategies import (
    at,
    grid_windows,
    ledgers,
    minute_of,
    minutes_in,
    sessions,
    slot_minutes,
)

TINY = [1, 2, 7]


@dataclass(frozen=True)
class Plan:
    timeframe: Timeframe
    expected: IntervalList
    gaps: IntervalList
    max_bars: int

    @property
    def requests(self) -> list[PlannedRequest]:
        return plan_requests(self.gaps, self.expected, self.timeframe, self.max_bars)

    def slots(self, piece: Interval) -> int:
        return self.timeframe.slots_in(piece.start, piece.end)

    def expected_between(self, left: Interval, right: Interval) -> bool:
        """Whether any expected time lies between the end of ``left`` and ``right``."""
        if left.end >= right.start:
            return False
        return bool(minutes_in([Interval(left.end, right.start)]) & minutes_in(self.expected))


@st.composite
def plans(draw: st.DrawFn, max_bars: st.SearchStrategy[int] | None = None) -> Plan:
    """Gaps as the coverage service makes them: expected time in a window, minus coverage."""
    timeframe = draw(st.sampled_from(Timeframe))
    expected = expected_windows(draw(sessions(max_sessions=6)), timeframe)
    span = minute_of(expected[-1].end)
    ledger = draw(ledgers(timeframe, span, max_spans=3))
    covered = normalize(piece.interval for piece in ledger)
    start, end = draw(grid_windows(timeframe, span))
    gaps = find_gaps(expected, covered, Interval(at(start), at(end)))
    if max_bars is None:
        max_bars = st.one_of(st.sampled_from(TINY), st.integers(1, 2000))
    return Plan(timeframe, expected, gaps, draw(max_bars))


def all_parts(requests: list[PlannedRequest]) -> list[Interval]:
    return [part for request in requests for part in request.parts]


@given(plans())
def test_every_request_stays_within_max_bars(plan):
    for request in plan.requests:
        assert 1 <= request.bars(plan.timeframe) <= plan.max_bars
        assert all(plan.slots(part) >= 1 for part in request.parts)


@given(plans())
def test_the_parts_together_are_exactly_the_gaps(plan):
    parts = all_parts(plan.requests)
    assert normalize(parts) == plan.gaps
    assert sum(plan.slots(part) for part in parts) == sum(plan.slots(gap) for gap in plan.gaps)


@given(plans())
def test_parts_are_sorted_and_disjoint_across_all_requests(plan):
    parts = all_parts(plan.requests)
    assert all(left.end <= right.start for left, right in pairwise(parts))


@given(plans())
def test_only_closed_time_lies_between_the_parts_of_one_request(plan):
    for request in plan.requests:
        for left, right in pairwise(request.parts):
            assert left.end < right.start
            assert not plan.expected_between(left, right)


@given(plans())
def test_requests_never_start_or_end_in_closed_time(plan):
    for request in plan.requests:
        window = request.window
        assert any(e.start <= window.start < e.end for e in plan.expected)
        assert any(e.start < window.end <= e.end for e in plan.expected)
        assert minutes_in(all_parts([request])) <= minutes_in(plan.expected)


@given(plans())
def test_neighbouring_requests_could_not_have_been_one(plan):
    """Greedy merging: a request ends only when the next part would break max_bars or
    expected time lies in between."""
    requests = plan.requests
    for current, following in pairwise(requests):
        joined = current.bars(plan.timeframe) + plan.slots(following.parts[0])
        assert joined > plan.max_bars or plan.expected_between(
            current.parts[-1], following.parts[0]
        )


@given(plans(max_bars=st.sampled_from(TINY)))
def test_tiny_max_bars_split_every_gap_into_small_requests(plan):
    requests = plan.requests
    total = sum(plan.slots(gap) for gap in plan.gaps)
    assert all(request.bars(plan.timeframe) <= plan.max_bars for request in requests)
    assert len(requests) >= -(-total // plan.max_bars)
    assert normalize(all_parts(requests)) == plan.gaps
    if plan.max_bars == 1:
        assert all(len(r.parts) == 1 and r.bars(plan.timeframe) == 1 for r in requests)


@given(plans())
def test_parts_lie_on_the_slot_grid(plan):
    step = slot_minutes(plan.timeframe)
    for part in all_parts(plan.requests):
        assert minute_of(part.start) % step == 0 and minute_of(part.end) % step == 0


def test_no_gaps_plan_no_requests():
    assert plan_requests([], [Interval(at(0), at(60))], Timeframe.M1, 10) == []


@pytest.mark.parametrize("max_bars", [0, -5])
def test_max_bars_must_be_positive(max_bars):
    with pytest.raises(InvalidInput):
        plan_requests([Interval(at(0), at(5))], [Interval(at(0), at(5))], Timeframe.M1, max_bars)


# -- examples on the real calendar ----------------------------------------------------


def rth_minutes(calendar, first: date, last: date) -> IntervalList:
    return expected_windows(calendar.sessions(first, last, SessionKind.RTH), Timeframe.M1)


def test_three_rth_days_fit_one_polygon_request(calendar):
    expected = rth_minutes(calendar, date(2024, 11, 25), date(2024, 11, 27))

    (request,) = plan_requests(expected, expected, Timeframe.M1, 50_000)

    assert request.parts == tuple(expected)
    assert request.bars(Timeframe.M1) == 3 * 390


def test_a_session_per_request_when_max_bars_is_one_session(calendar):
    expected = rth_minutes(calendar, date(2024, 11, 25), date(2024, 11, 27))

    requests = plan_requests(expected, expected, Timeframe.M1, 390)

    assert [request.parts for request in requests] == [(window,) for window in expected]


def test_a_thanksgiving_week_joins_across_the_holiday_and_the_early_close(calendar):
    expected = rth_minutes(calendar, date(2024, 11, 27), date(2024, 11, 29))

    (request,) = plan_requests(expected, expected, Timeframe.M1, 600)

    assert [part.start.day for part in request.parts] == [27, 29]
    assert request.bars(Timeframe.M1) == 390 + 210
