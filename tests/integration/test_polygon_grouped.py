"""``PolygonRestSource.market_day`` against the stub's grouped daily endpoint."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.polygon.grouped import parse_grouped
from chronox_domain import Interval, Timeframe
from chronox_domain.errors import WindowRefused
from tests.integration.test_polygon_rest import KEY, source
from tests.polygon_stub import PolygonStub

pytestmark = pytest.mark.integration

DAY = date(2024, 11, 25)


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        running.grouped.market = ["AAPL", "KIMpL", "OTCX"]
        running.grouped.otc = {"OTCX"}
        running.splits = {"AAPL": [(date(2020, 8, 31), 1, 4)]}
        yield running


def test_every_listed_ticker_once_as_traded_without_otc(stub: PolygonStub) -> None:
    answer = source(stub).market_day(DAY)
    window = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 26, tzinfo=UTC))
    expected = [
        bar
        for ticker in ("AAPL", "KIMpL")
        for bar in stub.expected_bars(ticker, Timeframe.D1, window, adjusted=False)
    ]
    assert answer.bars == expected and answer.unreadable == []
    (asked,) = stub.grouped_requests()
    assert asked.path.endswith("/stocks/2024-11-25")
    assert asked.query == {"adjusted": "false", "include_otc": "false"}


def test_a_holiday_answers_no_bars_in_one_request(stub: PolygonStub) -> None:
    stub.reset_log()
    raw = f"{stub.base_url}/v2/aggs/grouped/locale/us/market/stocks/2024-11-28?apiKey={KEY}"
    with urllib.request.urlopen(raw) as response:
        body = json.load(response)
    assert body["resultsCount"] == 0 and "results" not in body and body["status"] == "OK"
    assert source(stub).market_day(date(2024, 11, 28)).bars == []


def test_a_date_outside_the_plan_is_refused(stub: PolygonStub) -> None:
    stub.history_from = DAY + timedelta(days=1)
    try:
        with pytest.raises(WindowRefused, match="2024-11-25"):
            source(stub).market_day(DAY)
    finally:
        stub.history_from = None


def test_unreadable_items_are_left_out_with_a_reason() -> None:
    close = int(datetime(2024, 11, 25, 21, tzinfo=UTC).timestamp() * 1000)
    item = {"o": 1.0, "h": 2.0, "l": 0.5, "c": 1.5, "v": 10, "t": close}
    page = {
        "results": [
            {**item, "T": "GOOD"},
            {**item, "T": "bad ticker"},
            {**item, "T": "LATE", "t": close + 86_400_000},
            {"T": "NOOPEN", **{k: v for k, v in item.items() if k != "o"}},
        ]
    }
    answer = parse_grouped(page, DAY)
    assert [bar.symbol for bar in answer.bars] == ["GOOD"]
    assert answer.bars[0].start == datetime(2024, 11, 25, tzinfo=UTC)
    assert len(answer.unreadable) == 3
