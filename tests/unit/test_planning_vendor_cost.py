"""Planning regular hours against a vendor that answers with extended hours too."""

from __future__ import annotations

from datetime import date

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain import SessionKind, Timeframe, expected_windows, intersect, plan_requests


@pytest.mark.parametrize("max_bars", [50_000, 5_000, 961, 390])
def test_each_request_is_one_page_of_what_the_vendor_returns(
    calendar: ExchangeCalendar, max_bars: int
) -> None:
    first, last = date(2024, 1, 1), date(2024, 12, 31)
    rth = expected_windows(calendar.sessions(first, last, SessionKind.RTH), Timeframe.M1)
    eth = expected_windows(calendar.sessions(first, last, SessionKind.ETH), Timeframe.M1)
    plan = plan_requests(rth, rth, Timeframe.M1, max_bars, returned=eth)

    assert [part for request in plan for part in request.parts] == rth
    for request in plan:
        returned = sum(
            Timeframe.M1.slots_in(piece.start, piece.end)
            for piece in intersect(eth, [request.window])
        )
        assert returned <= max_bars
    if max_bars == 50_000:
        # A year is ~252 sessions of up to 960 returned minutes: 5 pages, not the 2 a
        # plan blind to extended hours would make (and then overflow).
        assert len(plan) == 5
        assert len(plan_requests(rth, rth, Timeframe.M1, 50_000)) == 2
