"""The synthetic source: deterministic, calendar-aware, sound bars, labelled as demo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import Interval, SessionKind, Timeframe, bar_problem, expected_windows

WEEK = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 12, 3, tzinfo=UTC))


def test_it_is_labelled_as_demo_data(calendar: ExchangeCalendar) -> None:
    source = SyntheticSource(calendar)
    assert source.name == "synthetic" and source.demo is True


def test_the_same_symbol_and_seed_give_the_same_bars(calendar: ExchangeCalendar) -> None:
    first = SyntheticSource(calendar, seed=7).fetch("SPY", Timeframe.M1, WEEK).bars
    again = SyntheticSource(calendar, seed=7).fetch("SPY", Timeframe.M1, WEEK).bars
    other_seed = SyntheticSource(calendar, seed=8).fetch("SPY", Timeframe.M1, WEEK).bars
    other_symbol = SyntheticSource(calendar, seed=7).fetch("QQQ", Timeframe.M1, WEEK).bars
    assert first == again
    assert [b[3:] for b in first] != [b[3:] for b in other_seed]
    assert [b[3:] for b in first] != [b[3:] for b in other_symbol]


def test_a_sub_window_gives_the_very_same_bars(calendar: ExchangeCalendar) -> None:
    source = SyntheticSource(calendar)
    whole = source.fetch("SPY", Timeframe.M1, WEEK).bars
    part = Interval(
        datetime(2024, 11, 26, 15, 7, tzinfo=UTC), datetime(2024, 11, 27, 16, tzinfo=UTC)
    )
    assert source.fetch("SPY", Timeframe.M1, part).bars == [
        b for b in whole if part.contains(b.start)
    ]


def test_bars_lie_only_inside_extended_sessions_and_are_sound(calendar: ExchangeCalendar) -> None:
    bars = SyntheticSource(calendar).fetch("SPY", Timeframe.M1, WEEK).bars
    eth = expected_windows(
        calendar.sessions(date(2024, 11, 22), date(2024, 12, 3), SessionKind.ETH), Timeframe.M1
    )
    assert bars and all(any(w.contains(b.start) for w in eth) for b in bars)
    assert all(bar_problem(b) is None for b in bars)
    new_york = ZoneInfo("America/New_York")
    assert not any(b.start.astimezone(new_york).date() == date(2024, 11, 28) for b in bars)


def test_a_small_share_of_regular_minutes_is_empty(calendar: ExchangeCalendar) -> None:
    rth = expected_windows(
        calendar.sessions(date(2024, 1, 2), date(2024, 3, 28), SessionKind.RTH), Timeframe.M1
    )
    source = SyntheticSource(calendar)
    slots = sum(Timeframe.M1.slots_in(w.start, w.end) for w in rth)
    bars = sum(len(source.fetch("IWM", Timeframe.M1, w).bars) for w in rth)
    assert 0.98 * slots < bars < slots


def test_higher_timeframes_roll_up_the_same_minutes(calendar: ExchangeCalendar) -> None:
    source = SyntheticSource(calendar)
    hour = Interval(datetime(2024, 11, 26, 15, tzinfo=UTC), datetime(2024, 11, 26, 16, tzinfo=UTC))
    minutes = source.fetch("SPY", Timeframe.M1, hour).bars
    (hourly,) = source.fetch("SPY", Timeframe.H1, hour).bars
    assert hourly.open == minutes[0].open and hourly.close == minutes[-1].close
    assert hourly.high == max(b.high for b in minutes) and hourly.low == min(b.low for b in minutes)
    assert hourly.volume == sum(b.volume for b in minutes)
    fives = source.fetch("SPY", Timeframe.M5, hour).bars
    assert len(fives) == 12 and sum(b.volume for b in fives) == hourly.volume


def test_daily_bars_are_stamped_with_the_session_date(calendar: ExchangeCalendar) -> None:
    days = SyntheticSource(calendar).fetch("SPY", Timeframe.D1, WEEK).bars
    assert [b.start.date() for b in days] == [
        date(2024, 11, 25),
        date(2024, 11, 26),
        date(2024, 11, 27),
        date(2024, 11, 29),
        date(2024, 12, 2),
    ]
    assert all(b.start.hour == 0 for b in days)
