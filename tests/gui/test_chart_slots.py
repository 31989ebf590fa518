"""SlotAxis on the real XNYS calendar: closed time takes no room, labels in New York."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart.columns import epoch_ns
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_presentation.calendar import SessionOut

pytestmark = pytest.mark.gui

RTH_MINUTES = 390


def ns(*args: int) -> int:
    return epoch_ns(datetime(*args, tzinfo=UTC))


@pytest.fixture(scope="module")
def thanksgiving_week(calendar: ExchangeCalendar) -> SlotAxis:
    """Mon 25 Nov .. Tue 3 Dec 2024: Thanksgiving (28th) closed, the 29th closes at 13:00."""
    return SlotAxis(
        calendar.sessions(date(2024, 11, 25), date(2024, 12, 3), SessionKind.RTH), Timeframe.M1
    )


def test_holidays_weekends_and_closed_hours_take_no_room(thanksgiving_week: SlotAxis) -> None:
    axis = thanksgiving_week
    # Mon, Tue, Wed full; Fri closes 13:00 (210 slots); Mon, Tue full.
    assert len(axis) == 5 * RTH_MINUTES + 210
    assert list(axis.session_starts) == [0, 390, 780, 1170, 1380, 1770]
    wednesday_last = ns(2024, 11, 27, 20, 59)  # 15:59 New York
    friday_open = ns(2024, 11, 29, 14, 30)
    assert list(axis.index_of([wednesday_last, friday_open])) == [1169, 1170]
    # Thanksgiving, a Saturday, and Wednesday's evening belong to no session.
    closed = [ns(2024, 11, 28, 15, 0), ns(2024, 11, 30, 15, 0), ns(2024, 11, 27, 21, 0)]
    assert list(axis.index_of(closed)) == [-1, -1, -1]


def test_early_close_ends_at_13_00_new_york(thanksgiving_week: SlotAxis) -> None:
    axis = thanksgiving_week
    last = ns(2024, 11, 29, 17, 59)
    closed = ns(2024, 11, 29, 18, 0)  # 13:00 ET: the close
    assert list(axis.index_of([last, closed])) == [1379, -1]
    assert list(axis.early_close_ends()) == [1380]
    assert axis.label(1379) == "2024-11-29 12:59"


def test_slots_round_trip_to_their_starts(thanksgiving_week: SlotAxis) -> None:
    axis = thanksgiving_week
    slots = np.arange(len(axis))
    starts = axis.start_of(slots)
    assert bool(np.all(np.diff(starts) > 0))
    assert bool(np.all(axis.index_of(starts) == slots))
    assert axis.span(1170, 1380) == (
        datetime(2024, 11, 29, 14, 30, tzinfo=UTC),
        datetime(2024, 11, 29, 18, 0, tzinfo=UTC),
    )


def test_outside_instants_keep_sorted_slots_for_sorted_input(thanksgiving_week: SlotAxis) -> None:
    slots, inside = thanksgiving_week.locate(
        [ns(2024, 11, 25, 14, 29), ns(2024, 11, 28, 15, 0), ns(2024, 12, 4, 15, 0)]
    )
    assert list(slots) == [0, 1170, 2160] and not inside.any()


def test_coverage_intervals_map_to_slot_segments(thanksgiving_week: SlotAxis) -> None:
    axis = thanksgiving_week
    # [Wed 15:00 ET, Fri 10:00 ET) spans Wednesday's last hour and Friday's first 30 minutes.
    start, end = axis.slots_before([ns(2024, 11, 27, 20, 0), ns(2024, 11, 29, 15, 0)])
    assert (start, end) == (1110, 1200)
    assert list(axis.slots_before([ns(2024, 1, 1), ns(2025, 1, 1)])) == [0, len(axis)]


@pytest.mark.parametrize(
    ("day", "open_utc"),
    [
        (date(2024, 3, 8), 14),
        (date(2024, 3, 11), 13),
        (date(2024, 11, 1), 13),
        (date(2024, 11, 4), 14),
    ],
)
def test_labels_stay_09_30_across_dst(calendar: ExchangeCalendar, day: date, open_utc: int) -> None:
    axis = SlotAxis(calendar.sessions(day, day, SessionKind.RTH), Timeframe.M1)
    assert axis.start_of([0])[0] == ns(day.year, day.month, day.day, open_utc, 30)
    assert axis.label(0) == f"{day.isoformat()} 09:30"
    assert axis.label(RTH_MINUTES - 1).endswith("15:59")


def test_dst_week_has_no_extra_or_missing_slots(calendar: ExchangeCalendar) -> None:
    axis = SlotAxis(
        calendar.sessions(date(2024, 3, 4), date(2024, 3, 15), SessionKind.RTH), Timeframe.M1
    )
    assert len(axis) == 10 * RTH_MINUTES
    assert [axis.label(int(s), with_date=False) for s in axis.session_starts] == ["09:30"] * 10


def test_hourly_slots_widen_the_session_to_the_utc_grid(calendar: ExchangeCalendar) -> None:
    axis = SlotAxis(
        calendar.sessions(date(2024, 11, 25), date(2024, 11, 25), SessionKind.RTH), Timeframe.H1
    )
    assert len(axis) == 7  # 09:00 (holds the 09:30 open) .. 15:00 New York
    assert axis.label(0) == "2024-11-25 09:00"


def test_daily_one_slot_per_session_stamped_with_its_date(calendar: ExchangeCalendar) -> None:
    sessions = calendar.sessions(date(2024, 11, 25), date(2024, 12, 3), SessionKind.RTH)
    axis = SlotAxis([SessionOut.of(s) for s in sessions], Timeframe.D1)
    assert len(axis) == 6
    assert list(axis.index_of([ns(2024, 11, 29, 0, 0), ns(2024, 11, 28, 0, 0)])) == [3, -1]
    assert axis.label(3) == "2024-11-29"


def test_extended_sessions_and_the_slot_shift(calendar: ExchangeCalendar) -> None:
    later = calendar.sessions(date(2024, 12, 2), date(2024, 12, 3), SessionKind.RTH)
    older = calendar.sessions(date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH)
    axis = SlotAxis(later, Timeframe.M1)
    grown = axis.extended(older)
    assert len(grown) == len(axis) + 3 * RTH_MINUTES + 210
    assert grown.offset_from(axis) == 3 * RTH_MINUTES + 210
    assert grown.label(grown.offset_from(axis)) == "2024-12-02 09:30"


def test_ticks_show_times_zoomed_in_and_dates_zoomed_out(calendar: ExchangeCalendar) -> None:
    week = SlotAxis(
        calendar.sessions(date(2024, 11, 25), date(2024, 12, 3), SessionKind.RTH), Timeframe.M1
    )
    near = week.ticks(0, 120, 1600)
    assert near[0] == (0, "Nov 25 09:30") and (30, "10:00") in near
    year = SlotAxis(
        calendar.sessions(date(2024, 1, 2), date(2024, 12, 31), SessionKind.RTH), Timeframe.M1
    )
    far = [text for _, text in year.ticks(0, len(year), 1600)]
    assert far[:3] == ["Jan 2024", "Feb", "Mar"]
    slots = [slot for slot, _ in year.ticks(0, len(year), 1600)]
    assert slots == sorted(slots)


def test_an_empty_axis_places_nothing() -> None:
    axis = SlotAxis([], Timeframe.M1)
    assert len(axis) == 0
    assert list(axis.index_of([ns(2024, 11, 29, 15, 0)])) == [-1]
    assert list(axis.slots_before([ns(2024, 11, 29, 15, 0)])) == [0]
    assert axis.ticks(0, 100, 800) == [] and axis.label(0) == ""
