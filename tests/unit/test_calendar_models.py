"""The sessions model the New York equity day only; any other exchange_calendars code
is refused where a calendar is made, not planned and stored with New York hours."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronox_adapters.calendars import ExchangeCalendar, load_calendar
from chronox_adapters.calendars.sessions import MODELLED_CALENDARS
from chronox_domain.errors import InvalidInput


@pytest.mark.parametrize("code", ["XLON", "CMES", "XHKG", "us_futures"])
def test_a_calendar_with_other_hours_is_refused_naming_the_ones_modelled(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ExchangeCalendar(code)
    assert code in str(refused.value) and "XNYS" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_cached_table_of_another_calendar_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        load_calendar("XLON", cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing built, nothing written


def test_the_modelled_codes_are_the_new_york_equity_day() -> None:
    exchange_calendars = pytest.importorskip("exchange_calendars")
    for code in MODELLED_CALENDARS:
        calendar = exchange_calendars.get_calendar(code, start="2024-01-02", end="2024-12-31")
        assert str(calendar.tz) == "America/New_York" and not calendar.has_break
        assert calendar.name == "XNYS"
