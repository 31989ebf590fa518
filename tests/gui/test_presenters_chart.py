"""The chart presenter against a real API on SQLite: newest sessions first, older ones
after, roll-ups, live bars merged in place, provisional marks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.interval import Interval
from chronox_entrypoints.gui.presenters import ChartPresenter
from chronox_entrypoints.gui.presenters.bars import epoch_ns, length
from chronox_entrypoints.gui.presenters.chart import SlotRequest
from chronox_presentation import BarEventOut
from tests.gui.conftest import FRIDAY, MONDAY

pytestmark = pytest.mark.gui


def stored(client: ChronoxClient, timeframe: str = "1m") -> int:
    pages = client.bar_pages("SPY", timeframe, MONDAY, FRIDAY, limit=50_000)
    return sum(len(page.bars) for page in pages)


def test_the_newest_session_comes_first_and_the_older_ones_after(client: ChronoxClient) -> None:
    chart = ChartPresenter(
        client,
        "SPY",
        "1m",
        start=datetime(2024, 11, 25).date(),
        end=datetime(2024, 11, 29).date(),
        first_sessions=1,
        chunk_sessions=1,
    )
    first = chart.open()
    assert next(day.date.isoformat() for day in chart.sessions) == MONDAY
    assert len(chart.sessions) == 4  # Thanksgiving is no session
    friday_open = epoch_ns(chart.sessions[-1].open)
    assert length(first) > 150 and bool(np.all(first["start_ns"] >= friday_open))
    assert not chart.fully_loaded and chart.loaded_from == chart.sessions[-1].date

    loaded = [chart.load_older() for _ in range(3)]
    assert chart.load_older() is None and chart.fully_loaded
    assert next(length(block) for block in loaded if block is not None) == 0  # the gap
    held = chart.bars
    assert length(held) == stored(client)
    assert bool(np.all(np.diff(held["start_ns"]) > 0))
    assert not held["provisional"].any()


def test_a_timeframe_switch_reads_the_apis_roll_up(client: ChronoxClient) -> None:
    chart = ChartPresenter(
        client, "SPY", "1m", start=datetime(2024, 11, 25).date(), end=datetime(2024, 11, 29).date()
    )
    chart.open()
    chart.switch_timeframe("5m")
    while chart.load_older() is not None:
        pass
    assert chart.derived and length(chart.bars) == stored(client, "5m")
    assert length(chart.bars) < stored(client) / 4


def event(start: datetime, close: float, timeframe: str = "1m") -> BarEventOut:
    return BarEventOut(
        symbol="SPY",
        timeframe=timeframe,
        start=start,
        open=100.0,
        high=max(101.0, close),
        low=99.0,
        close=close,
        volume=10.0,
        provisional=True,
        source="synthetic",
    )


def test_a_live_bar_replaces_its_slot_and_a_new_one_is_appended(client: ChronoxClient) -> None:
    chart = ChartPresenter(
        client, "SPY", "1m", start=datetime(2024, 11, 29).date(), end=datetime(2024, 11, 29).date()
    )
    chart.open()
    count = length(chart.bars)
    last = int(chart.bars["start_ns"][-1])
    at = datetime.fromtimestamp(last / 1e9, UTC)
    chart.live(event(at, 123.5))
    assert length(chart.bars) == count
    assert chart.bars["close"][-1] == 123.5 and chart.bars["provisional"][-1]
    later = datetime(2024, 11, 29, 18, 0, tzinfo=UTC)
    chart.live(event(later, 124.0))
    assert length(chart.bars) == count + 1 and chart.latest_bar_at() == later
    assert chart.live(event(later, 1.0).model_copy(update={"symbol": "AAPL"})) is None


def test_a_live_minute_on_a_rolled_up_chart_rereads_its_slot(client: ChronoxClient) -> None:
    chart = ChartPresenter(
        client, "SPY", "15m", start=datetime(2024, 11, 29).date(), end=datetime(2024, 11, 29).date()
    )
    chart.open()
    request = chart.live(event(datetime(2024, 11, 29, 15, 7, tzinfo=UTC), 100.0))
    assert request == SlotRequest(
        datetime(2024, 11, 29, 15, 0, tzinfo=UTC), datetime(2024, 11, 29, 15, 15, tzinfo=UTC)
    )
    block = chart.reread(request)
    assert length(block) == 1 and block["provisional"].all()
    assert int(block["start_ns"][0]) == epoch_ns(request.start)


def test_bars_inside_provisional_coverage_are_flagged(client: ChronoxClient) -> None:
    chart = ChartPresenter(
        client, "SPY", "1m", start=datetime(2024, 11, 29).date(), end=datetime(2024, 11, 29).date()
    )
    chart.open()
    span = Interval(
        datetime(2024, 11, 29, 17, 0, tzinfo=UTC), datetime(2024, 11, 29, 18, 0, tzinfo=UTC)
    )
    chart.mark_provisional([span])
    flagged = chart.bars["provisional"]
    assert 50 <= int(flagged.sum()) <= 60 and not flagged[0]
