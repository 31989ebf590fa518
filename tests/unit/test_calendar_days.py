"""Real XNYS days: early closes, holidays, DST switches, RTH vs ETH, slot alignment.

On an empty store every expected slot is a gap, so ``CoverageService.gaps`` shows the
expected time itself; ``expected_windows`` must agree with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chronox_domain.errors import InvalidRange
from chronox_domain.gaps import GapWindow
from chronox_domain.services.ingestion import IngestRequest
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe
from tests.conftest import Stack

RTH, ETH = SessionKind.RTH, SessionKind.ETH
M1, M5, M15, H1, D1 = Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1, Timeframe.D1
NEW_YORK = ZoneInfo("America/New_York")


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def gaps(calendar, clock, timeframe, kind, first, last=None) -> list[GapWindow]:
    """The gaps of SPY on an empty store: all the expected time of the range."""
    coverage = Stack(calendar, clock)().coverage()
    return coverage.gaps(["SPY"], timeframe, kind, first, last or first)


def windows(found: list[GapWindow]) -> list[tuple[datetime, datetime, int]]:
    return [(gap.interval.start, gap.interval.end, gap.bars) for gap in found]


def expected(calendar, timeframe, kind, first, last=None) -> list[tuple[datetime, datetime]]:
    sessions = calendar.sessions(first, last or first, kind)
    return [(piece.start, piece.end) for piece in expected_windows(sessions, timeframe)]


def assert_one_day(calendar, clock, timeframe, kind, day, start, end, bars):
    """The day's only gap (and only expected window) is ``[start, end)``, ``bars`` long."""
    assert windows(gaps(calendar, clock, timeframe, kind, day)) == [(start, end, bars)]
    assert expected(calendar, timeframe, kind, day) == [(start, end)]


# -- early closes ---------------------------------------------------------------------

EARLY_CLOSES = [date(2024, 11, 29), date(2024, 12, 24)]


@pytest.mark.parametrize("day", EARLY_CLOSES)
def test_an_early_close_ends_regular_hours_at_13_new_york(calendar, clock, day):
    assert_one_day(calendar, clock, M1, RTH, day, utc(day, 14, 30), utc(day, 18), 210)
    (session,) = calendar.sessions(day, day, RTH)
    assert session.early_close


@pytest.mark.parametrize("day", EARLY_CLOSES)
def test_an_early_close_ends_extended_hours_at_17_new_york(calendar, clock, day):
    assert_one_day(calendar, clock, M1, ETH, day, utc(day, 9), utc(day, 22), 13 * 60)


# -- holidays -------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2024, 6, 19), date(2024, 12, 25)])
@pytest.mark.parametrize("kind", [RTH, ETH])
def test_a_holiday_has_no_session_and_no_gap(calendar, clock, day, kind):
    assert calendar.sessions(day, day, kind) == []
    around = gaps(calendar, clock, M1, kind, day - timedelta(days=1), day + timedelta(days=1))
    assert len(around) == 2
    for gap in around:
        assert gap.interval.start.astimezone(NEW_YORK).date() != day
        assert (gap.interval.end - timedelta(minutes=1)).astimezone(NEW_YORK).date() != day
    with pytest.raises(InvalidRange):
        gaps(calendar, clock, M1, kind, day)


def test_the_days_around_juneteenth_keep_their_full_sessions(calendar, clock):
    before, after = date(2024, 6, 18), date(2024, 6, 20)
    assert windows(gaps(calendar, clock, M1, RTH, before, after)) == [
        (utc(before, 13, 30), utc(before, 20), 390),
        (utc(after, 13, 30), utc(after, 20), 390),
    ]


def test_christmas_sits_between_an_early_close_and_a_full_day(calendar, clock):
    eve, boxing_day = date(2024, 12, 24), date(2024, 12, 26)
    assert windows(gaps(calendar, clock, M1, RTH, eve, boxing_day)) == [
        (utc(eve, 14, 30), utc(eve, 18), 210),
        (utc(boxing_day, 14, 30), utc(boxing_day, 21), 390),
    ]


# -- daylight saving time -------------------------------------------------------------

#: (day, hours New York is behind UTC that day)
DST_DAYS = [
    (date(2024, 3, 8), 5),  # the last Friday on EST
    (date(2024, 3, 11), 4),  # the first Monday on EDT
    (date(2024, 11, 1), 4),  # the last Friday on EDT
    (date(2024, 11, 4), 5),  # the first Monday on EST
]


@pytest.mark.parametrize(("day", "offset"), DST_DAYS)
def test_regular_hours_follow_new_york_across_dst(calendar, clock, day, offset):
    # 09:30-16:00 New York: 14:30Z-21:00Z on EST, 13:30Z-20:00Z on EDT.
    start, end = utc(day, 9 + offset, 30), utc(day, 16 + offset)
    assert_one_day(calendar, clock, M1, RTH, day, start, end, 390)


def test_the_spring_switch_moves_the_open_from_14_30_to_13_30_utc(calendar, clock):
    friday, monday = date(2024, 3, 8), date(2024, 3, 11)
    assert windows(gaps(calendar, clock, M1, RTH, friday, monday)) == [
        (utc(friday, 14, 30), utc(friday, 21), 390),
        (utc(monday, 13, 30), utc(monday, 20), 390),
    ]


def test_the_autumn_switch_moves_the_open_from_13_30_to_14_30_utc(calendar, clock):
    friday, monday = date(2024, 11, 1), date(2024, 11, 4)
    assert windows(gaps(calendar, clock, M1, RTH, friday, monday)) == [
        (utc(friday, 13, 30), utc(friday, 20), 390),
        (utc(monday, 14, 30), utc(monday, 21), 390),
    ]


@pytest.mark.parametrize(("day", "offset"), DST_DAYS)
def test_extended_hours_follow_new_york_across_dst(calendar, clock, day, offset):
    # 04:00-20:00 New York: from 09:00Z or 08:00Z to 01:00Z or 00:00Z the next day.
    start = utc(day, 4 + offset)
    assert_one_day(calendar, clock, M1, ETH, day, start, start + timedelta(hours=16), 960)


# -- regular vs extended hours --------------------------------------------------------


def test_extended_hours_run_from_4_to_20_new_york_around_regular_hours(calendar, clock):
    day = date(2024, 11, 26)
    ((rth_start, rth_end, rth_bars),) = windows(gaps(calendar, clock, M1, RTH, day))
    ((eth_start, eth_end, eth_bars),) = windows(gaps(calendar, clock, M1, ETH, day))
    assert (rth_bars, eth_bars) == (390, 960)
    assert eth_start < rth_start < rth_end < eth_end
    assert eth_start.astimezone(NEW_YORK).time().hour == 4
    assert eth_end.astimezone(NEW_YORK).time().hour == 20


# -- slot alignment -------------------------------------------------------------------

NORMAL_DAY = date(2024, 11, 26)  # EST: regular hours are 14:30Z-21:00Z


@pytest.mark.parametrize(
    ("timeframe", "start", "end", "bars"),
    [
        (M1, utc(NORMAL_DAY, 14, 30), utc(NORMAL_DAY, 21), 390),
        (M5, utc(NORMAL_DAY, 14, 30), utc(NORMAL_DAY, 21), 78),
        (M15, utc(NORMAL_DAY, 14, 30), utc(NORMAL_DAY, 21), 26),
        (H1, utc(NORMAL_DAY, 14), utc(NORMAL_DAY, 21), 7),
        (D1, utc(NORMAL_DAY, 0), utc(NORMAL_DAY + timedelta(days=1), 0), 1),
    ],
)
def test_a_normal_regular_session_on_each_timeframe(calendar, clock, timeframe, start, end, bars):
    assert_one_day(calendar, clock, timeframe, RTH, NORMAL_DAY, start, end, bars)


def test_hourly_slots_of_a_regular_session_run_9_to_16_new_york_on_the_clock_hour(calendar, clock):
    for day in (NORMAL_DAY, date(2024, 3, 11)):  # an EST day and an EDT day
        ((start, end, bars),) = windows(gaps(calendar, clock, H1, RTH, day))
        assert bars == 7
        assert (start.minute, end.minute) == (0, 0)
        assert start.astimezone(NEW_YORK).hour == 9
        assert end.astimezone(NEW_YORK).hour == 16


@pytest.mark.parametrize(
    ("timeframe", "start", "bars"),
    [
        (M5, utc(date(2024, 11, 29), 14, 30), 42),
        (M15, utc(date(2024, 11, 29), 14, 30), 14),
        (H1, utc(date(2024, 11, 29), 14), 4),
    ],
)
def test_an_early_close_on_coarser_timeframes(calendar, clock, timeframe, start, bars):
    day = date(2024, 11, 29)
    assert_one_day(calendar, clock, timeframe, RTH, day, start, utc(day, 18), bars)


def test_hourly_extended_hours_take_sixteen_slots(calendar, clock):
    day = NORMAL_DAY
    next_day = day + timedelta(days=1)
    assert_one_day(calendar, clock, H1, ETH, day, utc(day, 9), utc(next_day, 1), 16)


@pytest.mark.parametrize("kind", [RTH, ETH])
def test_a_daily_slot_is_the_utc_day_of_the_session_date(calendar, clock, kind):
    # Thanksgiving (Thursday 28th) has no daily bar; the days around it merge per run.
    found = gaps(calendar, clock, D1, kind, date(2024, 11, 25), date(2024, 11, 29))
    assert windows(found) == [
        (utc(date(2024, 11, 25), 0), utc(date(2024, 11, 28), 0), 3),
        (utc(date(2024, 11, 29), 0), utc(date(2024, 11, 30), 0), 1),
    ]


# -- instants instead of dates -------------------------------------------------------


def test_an_instant_range_takes_the_evening_tail_of_the_previous_extended_session(calendar, clock):
    # Monday's extended session runs to 20:00 New York, 01:00Z on Tuesday.
    tuesday = date(2024, 11, 26)
    found = gaps(calendar, clock, M1, ETH, utc(tuesday, 0, 30), utc(tuesday, 10))
    assert windows(found) == [
        (utc(tuesday, 0, 30), utc(tuesday, 1), 30),
        (utc(tuesday, 9), utc(tuesday, 10), 60),
    ]


def test_an_instant_range_widens_to_the_slot_grid(calendar, clock):
    day = NORMAL_DAY
    start = utc(day, 15, 7) + timedelta(seconds=30)
    found = gaps(calendar, clock, M15, RTH, start, utc(day, 15, 52))
    assert windows(found) == [(utc(day, 15), utc(day, 16), 4)]


def test_an_instant_range_over_a_weekend_has_no_gap(calendar, clock):
    saturday = date(2024, 11, 30)
    assert gaps(calendar, clock, M1, ETH, utc(saturday, 1, 30), utc(saturday, 23)) == []


# -- the headline case ----------------------------------------------------------------

INGESTED = [
    (date(2024, 11, 25), date(2024, 11, 27)),
    (date(2024, 12, 2), date(2024, 12, 3)),
]


def test_ingesting_around_the_black_friday_week_leaves_exactly_its_early_close(stack: Stack):
    app = stack()  # the synthetic source, the memory store
    coverage, ingestion = app.coverage(), app.ingestion()
    for first, last in INGESTED:
        report = ingestion.ingest(IngestRequest(("SPY",), M1, RTH, first, last))
        assert report.requests == 1 and report.bars_written > 0

    found = coverage.gaps(["SPY"], M1, RTH, date(2024, 11, 25), date(2024, 12, 3))

    black_friday = date(2024, 11, 29)
    assert windows(found) == [(utc(black_friday, 14, 30), utc(black_friday, 18), 210)]
    for first, last in INGESTED:
        again = ingestion.ingest(IngestRequest(("SPY",), M1, RTH, first, last))
        assert (again.requests, again.bars_written) == (0, 0)
