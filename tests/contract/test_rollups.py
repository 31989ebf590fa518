"""Bars of timeframes never fetched are rolled up from stored 1m bars, on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain import Bar, Interval, SessionKind, Timeframe
from chronox_domain.services import IngestRequest
from tests.conftest import Stack
from tests.contract.conftest import StoreUnderTest

START, END = date(2024, 11, 25), date(2024, 11, 29)
WEEK = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC))


def same_bar(left: Bar, right: Bar) -> bool:
    assert left.vwap is not None and right.vwap is not None
    return (
        left[:8] == right[:8] and left.trades == right.trades and abs(left.vwap - right.vwap) < 1e-3
    )


@pytest.mark.parametrize("timeframe", [Timeframe.M5, Timeframe.M15, Timeframe.D1])
def test_rolled_up_bars_equal_the_sources_own(
    store: StoreUnderTest, stack: Stack, calendar: ExchangeCalendar, timeframe: Timeframe
) -> None:
    app = stack(store=store)  # the synthetic source, the store under test (its roll-ups)
    source = app.source()
    request = IngestRequest(("SPY",), Timeframe.M1, SessionKind.RTH, START, END)
    app.ingestion().ingest(request)

    service = app.bars()
    assert service.derives("SPY", timeframe)
    derived = list(service.bars("SPY", timeframe, START, END, SessionKind.RTH))

    sessions = calendar.sessions(START, END, SessionKind.RTH)
    fetched = [
        bar
        for bar in source.fetch("SPY", timeframe, WEEK).bars
        if timeframe is Timeframe.D1 or any(s.open <= bar.start < s.close for s in sessions)
    ]
    assert len(derived) == len(fetched) > 0
    assert all(same_bar(d, f) for d, f in zip(derived, fetched, strict=True))


def test_a_fetched_timeframe_is_never_rolled_up(store: StoreUnderTest, stack: Stack) -> None:
    app = stack(store=store)
    ingestion = app.ingestion()
    for timeframe in (Timeframe.M1, Timeframe.M5):
        ingestion.ingest(IngestRequest(("SPY",), timeframe, SessionKind.RTH, START, START))
    service = app.bars()
    assert not service.derives("SPY", Timeframe.M5)
    assert not service.derives("QQQ", Timeframe.M5)  # nothing stored at all
    assert service.derives("SPY", Timeframe.H1)
