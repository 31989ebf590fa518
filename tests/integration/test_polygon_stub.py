"""The Polygon stub, exercised with the vendor's own client (massive) and plain urllib.

These tests pin down the stub's behaviour, and with it what massive does with each
answer: the adapter's tests can then rely on both.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import websockets
from massive import RESTClient, WebSocketClient
from massive.exceptions import AuthError, BadResponse
from urllib3.exceptions import MaxRetryError, ReadTimeoutError, ResponseError

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain import Bar, Interval, Timeframe
from tests.polygon_stub import PolygonStub

pytestmark = [pytest.mark.integration, pytest.mark.timeout(15)]

# Wednesday 2024-01-03 as a UTC day: the tail of the 2nd's extended session (to 01:00Z)
# and the 3rd's from 09:00Z.
DAY = Interval(datetime(2024, 1, 3, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
JANUARY = Interval(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
# From after Friday's extended session to before Monday's.
WEEKEND = Interval(datetime(2024, 1, 6, 2, tzinfo=UTC), datetime(2024, 1, 8, 8, tzinfo=UTC))
MORNING = datetime(2024, 1, 3, 15, 0, tzinfo=UTC)  # 10:00 New York
PAGE = 100
SPANS = {
    Timeframe.M1: (1, "minute"),
    Timeframe.M5: (5, "minute"),
    Timeframe.M15: (15, "minute"),
    Timeframe.H1: (1, "hour"),
    Timeframe.D1: (1, "day"),
}


def ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000


def vendor_view(bars: list[Bar]) -> list[tuple[Any, ...]]:
    """What the vendor sends for ``bars``: daily ones stamped at midnight New York."""
    return [
        (_vendor_ms(b), b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades) for b in bars
    ]


def _vendor_ms(bar: Bar) -> int:
    if bar.timeframe is not Timeframe.D1:
        return ms(bar.start)
    midnight = datetime.combine(bar.start.date(), clock_time(0), ZoneInfo("America/New_York"))
    return ms(midnight)


def client_view(aggs: Any) -> list[tuple[Any, ...]]:
    return [
        (a.timestamp, a.open, a.high, a.low, a.close, a.volume, a.vwap, a.transactions)
        for a in aggs
    ]


@pytest.fixture
def stub(calendar: ExchangeCalendar) -> Iterator[PolygonStub]:
    with PolygonStub(calendar=calendar, page_size=PAGE) as running:
        yield running


@pytest.fixture
def client(stub: PolygonStub) -> RESTClient:
    return RESTClient(stub.api_key, base=stub.base_url, retries=0)


def aggs_path(window: Interval) -> str:
    """The 1m aggregates path of SPY over ``window``, as the adapter sends it."""
    return f"/v2/aggs/ticker/SPY/range/1/minute/{ms(window.start)}/{ms(window.end) - 1}"


def fetch(
    stub: PolygonStub, path: str, key: str | None = "stub"
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a plain GET, authorised with the stub's key by default."""
    request = urllib.request.Request(stub.base_url + path)
    if key is not None:
        request.add_header("Authorization", f"Bearer {stub.api_key if key == 'stub' else key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- aggregates ---------------------------------------------------------------------


def test_small_pages_reproduce_the_expected_bars_exactly(
    stub: PolygonStub, client: RESTClient
) -> None:
    expected = stub.expected_bars("SPY", Timeframe.M1, DAY)
    aggs = list(client.list_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end) - 1))
    assert len(expected) > 5 * PAGE
    assert client_view(aggs) == vendor_view(expected)
    requests = stub.aggs_requests()
    assert len(requests) == math.ceil(len(expected) / PAGE)
    # Each next_url starts where the previous page stopped.
    froms = [int(r.path.split("/")[-2]) for r in requests]
    assert froms == [ms(DAY.start)] + [
        ms(expected[i * PAGE].start) for i in range(1, len(requests))
    ]


def test_limit_counts_base_minutes_and_the_cursor_carries_it(
    stub: PolygonStub, client: RESTClient
) -> None:
    expected = stub.expected_bars("SPY", Timeframe.M5, DAY)
    aggs = list(client.list_aggs("SPY", 5, "minute", ms(DAY.start), ms(DAY.end) - 1, limit=40))
    assert client_view(aggs) == vendor_view(expected)
    first, *rest = stub.aggs_requests()
    assert first.query == {"limit": "40"}
    # 40 base minutes make at most 8 whole 5m bars, fewer where minutes did not trade.
    assert len(rest) + 1 > math.ceil(len(expected) / 40)
    assert all(r.query == {"cursor": cursor("limit=40&sort=asc")} for r in rest)


def cursor(query: str) -> str:
    return base64.urlsafe_b64encode(query.encode()).decode().rstrip("=")


@pytest.mark.parametrize("timeframe", list(SPANS), ids=str)
def test_every_timeframe_serves_its_expected_bars(
    stub: PolygonStub, client: RESTClient, timeframe: Timeframe
) -> None:
    window = JANUARY if timeframe is Timeframe.D1 else DAY
    expected = stub.expected_bars("QQQ", timeframe, window)
    multiplier, timespan = SPANS[timeframe]
    aggs = client.list_aggs("QQQ", multiplier, timespan, ms(window.start), ms(window.end) - 1)
    assert expected and client_view(aggs) == vendor_view(expected)


def test_a_date_stands_for_its_whole_utc_day(calendar: ExchangeCalendar) -> None:
    with PolygonStub(calendar=calendar) as stub:
        client = RESTClient(stub.api_key, base=stub.base_url, retries=0)
        aggs = client.get_aggs("SPY", 1, "minute", "2024-01-03", "2024-01-03")
        assert client_view(aggs) == vendor_view(stub.expected_bars("SPY", Timeframe.M1, DAY))


def test_millisecond_bounds_are_both_inclusive(stub: PolygonStub, client: RESTClient) -> None:
    first, second = stub.expected_bars("SPY", Timeframe.M1, DAY)[:2]
    only_first = client.get_aggs("SPY", 1, "minute", ms(first.start), ms(first.start))
    before_second = client.get_aggs("SPY", 1, "minute", ms(first.start), ms(second.start) - 1)
    through_second = client.get_aggs("SPY", 1, "minute", ms(first.start), ms(second.start))
    assert client_view(only_first) == client_view(before_second) == vendor_view([first])
    assert client_view(through_second) == vendor_view([first, second])


def test_no_bars_means_no_results_key_and_massive_yields_nothing(
    stub: PolygonStub, client: RESTClient
) -> None:
    status, _, body = fetch(stub, aggs_path(WEEKEND))
    answer = json.loads(body)
    assert status == 200 and answer["resultsCount"] == 0 and answer["status"] == "OK"
    assert "results" not in answer and "next_url" not in answer
    assert list(client.list_aggs("SPY", 1, "minute", ms(WEEKEND.start), ms(WEEKEND.end))) == []
    assert client.get_aggs("SPY", 1, "minute", ms(WEEKEND.start), ms(WEEKEND.end)) == []


def test_a_page_has_the_vendor_shape(stub: PolygonStub) -> None:
    status, headers, body = fetch(stub, aggs_path(DAY) + "?adjusted=true&sort=asc&limit=3")
    answer = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert list(answer) == [
        "ticker", "queryCount", "resultsCount", "adjusted", "results",
        "status", "request_id", "count", "next_url",
    ]  # fmt: skip
    assert answer["ticker"] == "SPY" and answer["adjusted"] is True
    assert answer["resultsCount"] == answer["queryCount"] == answer["count"] == 3
    assert set(answer["results"][0]) == {"v", "vw", "o", "c", "h", "l", "t", "n"}
    fourth = stub.expected_bars("SPY", Timeframe.M1, DAY)[3]
    # Only a cursor, as in rest.json's example: base64 of "limit=3&sort=asc".
    assert answer["next_url"] == (
        f"{stub.base_url}/v2/aggs/ticker/SPY/range/1/minute/{ms(fourth.start)}/"
        f"{ms(DAY.end) - 1}?cursor=bGltaXQ9MyZzb3J0PWFzYw"
    )
    assert base64.b64decode("bGltaXQ9MyZzb3J0PWFzYw==") == b"limit=3&sort=asc"


def test_the_key_goes_in_a_bearer_header_or_the_apikey_query(
    stub: PolygonStub, client: RESTClient
) -> None:
    status, _, body = fetch(stub, aggs_path(DAY), key=None)
    assert status == 401
    assert json.loads(body) == {
        "status": "ERROR",
        "request_id": json.loads(body)["request_id"],
        "error": "API Key was not provided",
    }
    status, _, body = fetch(stub, aggs_path(DAY), key="wrong")
    assert status == 401 and json.loads(body)["error"] == "Unknown API Key"
    assert fetch(stub, aggs_path(DAY) + f"?apiKey={stub.api_key}", key=None)[0] == 200
    assert fetch(stub, aggs_path(DAY) + "?apiKey=wrong", key=None)[0] == 401
    wrong = RESTClient("wrong", base=stub.base_url, retries=0)
    with pytest.raises(BadResponse, match="Unknown API Key"):
        wrong.get_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end))


def test_unknown_paths_and_unsupported_parameters_are_refused(
    stub: PolygonStub, client: RESTClient
) -> None:
    status, _, body = fetch(stub, "/v1/nothing/here")
    assert status == 404 and json.loads(body)["status"] == "NOT_FOUND"
    with pytest.raises(BadResponse, match="asc"):
        client.get_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end), sort="desc")
    with pytest.raises(BadResponse, match="the stub serves only"):
        client.get_aggs("SPY", 2, "minute", ms(DAY.start), ms(DAY.end))
    with pytest.raises(BadResponse, match="Could not parse the time parameter: 'from'"):
        client.get_aggs("SPY", 1, "minute", "yesterday", ms(DAY.end))


def test_splits_come_from_the_table_the_test_sets(stub: PolygonStub, client: RESTClient) -> None:
    stub.splits = {"AAPL": [(date(2020, 8, 31), 1, 4)], "TSLA": [(date(2022, 8, 25), 1, 3)]}
    [split] = client.list_splits(ticker="AAPL")
    assert (split.ticker, split.execution_date, split.split_from, split.split_to) == (
        "AAPL", "2020-08-31", 1, 4,
    )  # fmt: skip
    assert split.id
    assert list(client.list_splits(ticker="MSFT")) == []
    assert not stub.aggs_requests()  # the log tells the endpoints apart


def test_the_request_log_records_each_request_in_arrival_order(
    stub: PolygonStub, client: RESTClient
) -> None:
    client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end), limit=7)
    fetch(stub, "/v3/reference/splits?ticker=SPY", key="wrong")
    first, second = stub.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET", f"/v2/aggs/ticker/SPY/range/1/hour/{ms(DAY.start)}/{ms(DAY.end)}", {"limit": "7"},
        200,
    )  # fmt: skip
    assert (second.path, second.query, second.status) == (
        "/v3/reference/splits", {"ticker": "SPY"}, 401,
    )  # fmt: skip
    assert first.at <= second.at and stub.aggs_requests() == [first]
    stub.reset_log()
    assert stub.requests == []


def get_json(stub: PolygonStub, path: str, key: str | None = "stub") -> tuple[int, Any]:
    status, _, body = fetch(stub, path, key)
    return status, json.loads(body)


def test_limit_counts_the_minutes_inside_hour_bars(stub: PolygonStub) -> None:
    # The blog's example (https://polygon.io/blog/aggs-api-updates): limit=100 over
    # two traded hours makes one 1h bar; the second would be partial.
    two_hours = Interval(MORNING, MORNING + timedelta(hours=2))
    path = f"/v2/aggs/ticker/SPY/range/1/hour/{ms(two_hours.start)}/{ms(two_hours.end) - 1}"
    _, answer = get_json(stub, path + "?limit=100")
    assert answer["resultsCount"] == 1 and answer["queryCount"] == 60
    assert "next_url" in answer
    _, whole = get_json(stub, path + "?limit=120")
    assert whole["resultsCount"] == 2 and whole["queryCount"] == 120 and "next_url" not in whole
    # Over a day, with its extended hours and the minutes that did not trade: each page
    # holds the bars whose minutes add up to at most the limit, and not one bar more.
    _, page = get_json(stub, aggs_path(DAY).replace("/1/minute/", "/1/hour/") + "?limit=200")
    hours = stub.expected_bars("SPY", Timeframe.H1, DAY)
    costs = [
        stub.base_aggregates("SPY", Timeframe.H1, Interval(h.start, h.start + timedelta(hours=1)))
        for h in hours
    ]
    served = page["resultsCount"]
    assert page["queryCount"] == sum(costs[:served]) <= 200 < sum(costs[: served + 1])
    assert any(cost < 60 for cost in costs)  # thin extended-hours bars count their minutes
    assert page["queryCount"] == stub.base_aggregates("SPY", Timeframe.H1, DAY) - sum(
        costs[served:]
    )


def test_limit_counts_days_for_day_bars_and_page_size_still_caps(
    calendar: ExchangeCalendar,
) -> None:
    path = f"/v2/aggs/ticker/SPY/range/1/day/{ms(JANUARY.start)}/{ms(JANUARY.end) - 1}"
    with PolygonStub(calendar=calendar, page_size=3) as stub:
        _, capped = get_json(stub, path + "?limit=5")
        assert capped["resultsCount"] == capped["queryCount"] == 3
        stub_days = stub.expected_bars("SPY", Timeframe.D1, JANUARY)
    with PolygonStub(calendar=calendar) as stub:
        _, page = get_json(stub, path + "?limit=5")
        assert page["resultsCount"] == page["queryCount"] == 5
        assert [r["t"] for r in page["results"]] == [_vendor_ms(d) for d in stub_days[:5]]


def test_a_bar_larger_than_the_limit_gets_an_empty_page_without_next_url(
    stub: PolygonStub,
) -> None:
    status, answer = get_json(stub, aggs_path(DAY).replace("/1/minute/", "/1/hour/") + "?limit=10")
    assert status == 200 and answer["resultsCount"] == answer["queryCount"] == 0
    assert "results" not in answer and "next_url" not in answer


def test_a_follow_up_takes_limit_from_the_cursor_and_adjusted_from_its_own_query(
    stub: PolygonStub,
) -> None:
    _, first = get_json(stub, aggs_path(DAY) + "?limit=50&adjusted=false")
    assert first["adjusted"] is False
    follow = first["next_url"].removeprefix(stub.base_url)
    assert "adjusted" not in follow and "limit" not in follow.split("?")[1]
    _, bare = get_json(stub, follow)  # adjusted is not in the cursor: the default, true
    assert bare["adjusted"] is True and bare["resultsCount"] == 50
    _, unadjusted = get_json(stub, follow + "&adjusted=false")
    assert unadjusted["adjusted"] is False
    assert get_json(stub, follow.split("?")[0] + "?cursor=%%%")[0] == 400
    assert get_json(stub, aggs_path(DAY) + "?adjusted=yes")[0] == 400


def test_adjusted_divides_prices_before_a_split(stub: PolygonStub, client: RESTClient) -> None:
    stub.splits = {"SPY": [(date(2024, 1, 3), 1, 4)]}  # a 4-for-1 from the 3rd
    two_days = Interval(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
    raw = stub.expected_bars("SPY", Timeframe.D1, two_days, adjusted=False)
    adjusted = stub.expected_bars("SPY", Timeframe.D1, two_days)
    assert [b.start.day for b in raw] == [2, 3]
    assert adjusted[0].close == round(raw[0].close / 4, 4)
    assert adjusted[0].volume == raw[0].volume * 4 and adjusted[1] == raw[1]
    window = (ms(two_days.start), ms(two_days.end) - 1)
    assert client_view(client.get_aggs("SPY", 1, "day", *window)) == vendor_view(adjusted)
    served_raw = client.get_aggs("SPY", 1, "day", *window, adjusted=False)
    assert client_view(served_raw) == vendor_view(raw)
    assert stub.expected_bars("QQQ", Timeframe.D1, two_days) == stub.expected_bars(
        "QQQ", Timeframe.D1, two_days, adjusted=False
    )


def test_tickers_are_case_sensitive_and_unknown_ones_get_empty_answers(
    calendar: ExchangeCalendar,
) -> None:
    with PolygonStub(calendar=calendar, tickers={"SPY", "KIMpL"}) as stub:
        client = RESTClient(stub.api_key, base=stub.base_url, retries=0)
        window = (ms(DAY.start), ms(DAY.end) - 1)
        served = client.get_aggs("KIMpL", 1, "hour", *window)
        assert client_view(served) == vendor_view(stub.expected_bars("KIMpL", Timeframe.H1, DAY))
        status, answer = get_json(stub, aggs_path(DAY).replace("/SPY/", "/KIMPL/"))
        assert status == 200 and answer["status"] == "OK" and answer["ticker"] == "KIMPL"
        assert answer["resultsCount"] == answer["queryCount"] == 0 and "results" not in answer
        assert client.get_aggs("KIMPL", 1, "hour", *window) == []
        stub.known_tickers = None  # every ticker known again: KIMPL is its own series
        assert client_view(client.get_aggs("KIMPL", 1, "hour", *window)) != client_view(served)


def test_delayed_pages_say_so(stub: PolygonStub, client: RESTClient) -> None:
    stub.delayed = True
    _, answer = get_json(stub, aggs_path(DAY) + "?limit=5")
    assert answer["status"] == "DELAYED" and answer["resultsCount"] == 5
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))  # massive ignores it


def test_history_before_the_plan_gets_403_not_authorized(
    calendar: ExchangeCalendar,
) -> None:
    with PolygonStub(calendar=calendar, history_from=date(2024, 1, 3)) as stub:
        client = RESTClient(stub.api_key, base=stub.base_url, retries=0)
        earlier = datetime(2024, 1, 2, 15, tzinfo=UTC)
        status, answer = get_json(
            stub, f"/v2/aggs/ticker/SPY/range/1/minute/{ms(earlier)}/{ms(DAY.end)}"
        )
        assert status == 403
        assert answer == {
            "status": "NOT_AUTHORIZED",
            "request_id": answer["request_id"],
            "message": "Your plan doesn't include this data timeframe. Please upgrade your "
            "plan at https://polygon.io/pricing",
        }
        with pytest.raises(BadResponse, match="NOT_AUTHORIZED"):
            client.get_aggs("SPY", 1, "minute", ms(earlier), ms(DAY.end))
        assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))


def test_splits_page_by_limit_with_a_cursor_and_match_the_ticker_exactly(
    stub: PolygonStub, client: RESTClient
) -> None:
    stub.splits = {
        "AAPL": [(date(2000 + i, 6, 1), 1, 2) for i in range(25)],
        "AAPl": [(date(2010, 1, 4), 1, 3)],
    }
    splits = list(client.list_splits(ticker="AAPL"))
    assert len(splits) == 25 and {s.ticker for s in splits} == {"AAPL"}
    # Newest first, as rest.json's example lists them.
    assert [s.execution_date for s in splits] == [f"{2024 - i}-06-01" for i in range(25)]
    first, *follow = stub.requests
    assert first.query == {"ticker": "AAPL"} and len(follow) == 2  # 10 + 10 + 5
    assert all(set(r.query) == {"cursor"} for r in follow)
    assert [s.ticker for s in client.list_splits(ticker="AAPl")] == ["AAPl"]
    assert list(client.list_splits(ticker="aapl")) == []
    status, answer = get_json(stub, "/v3/reference/splits?ticker=AAPL&limit=1000")
    assert status == 200 and len(answer["results"]) == 25 and "next_url" not in answer
    assert get_json(stub, "/v3/reference/splits?ticker=AAPL&limit=1001")[0] == 400
    assert get_json(stub, "/v3/reference/splits?execution_date.gte=2020-01-01")[0] == 400


def test_splits_foreign_items_lists_other_tickers_too(
    stub: PolygonStub, client: RESTClient
) -> None:
    stub.splits = {"AAPL": [(date(2020, 8, 31), 1, 4)], "AAPL.WS": [(date(2021, 1, 4), 1, 2)]}
    assert [s.ticker for s in client.list_splits(ticker="AAPL")] == ["AAPL"]
    stub.faults.splits_foreign_items()
    assert [s.ticker for s in client.list_splits(ticker="AAPL")] == ["AAPL.WS", "AAPL"]
    stub.faults.clear()
    assert [s.ticker for s in client.list_splits(ticker="AAPL")] == ["AAPL"]


# --- faults ---------------------------------------------------------------------------


def test_rate_limit_answers_429_without_retry_after(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.rate_limit(2)
    status, headers, body = fetch(stub, aggs_path(DAY))
    assert status == 429 and "Retry-After" not in headers
    assert json.loads(body) == {
        "status": "ERROR",
        "request_id": json.loads(body)["request_id"],
        "error": "You've exceeded the maximum requests per minute, please wait or upgrade "
        "your subscription to continue. https://massive.com/pricing",
    }
    # massive leaves 429 to urllib3's Retry: with retries=0 that is MaxRetryError, not
    # BadResponse.
    with pytest.raises(MaxRetryError) as raised:
        client.get_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end))
    assert isinstance(raised.value.reason, ResponseError) and "429" in str(raised.value.reason)
    assert [r.status for r in stub.aggs_requests()] == [429, 429]
    assert stub.rate_limited_requests() == stub.aggs_requests()
    assert stub.faults.pending() == 0


def test_rate_limit_sends_retry_after_only_when_given(stub: PolygonStub) -> None:
    stub.faults.rate_limit(1, retry_after=7)
    status, headers, _ = fetch(stub, aggs_path(DAY))
    assert status == 429 and headers["Retry-After"] == "7"


def test_rate_limit_for_refuses_everything_for_a_while(
    stub: PolygonStub, client: RESTClient
) -> None:
    stub.faults.server_errors([500])
    stub.faults.rate_limit_for(0.5)
    started = time.monotonic()
    statuses = []
    while time.monotonic() - started < 0.4:
        statuses.append(fetch(stub, aggs_path(DAY))[0])
    assert set(statuses) == {429} and len(statuses) >= 2
    assert stub.faults.pending() == 1  # queued faults wait their turn
    assert fetch(stub, "/v3/reference/splits?ticker=SPY")[0] == 200  # aggregates only
    time.sleep(max(0.0, 0.55 - (time.monotonic() - started)))
    assert [fetch(stub, aggs_path(DAY))[0] for _ in range(2)] == [500, 200]
    assert {r.fault for r in stub.rate_limited_requests()} == {"rate_limit_for"}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_quota_counts_requests_per_aligned_window(calendar: ExchangeCalendar) -> None:
    clock = FakeClock(6_000.0)  # a multiple of 60: a window starts here
    with PolygonStub(calendar=calendar, quota=2, clock=clock) as stub:
        assert [fetch(stub, aggs_path(DAY))[0] for _ in range(2)] == [200, 200]
        clock.now = 6_059.9
        status, headers, body = fetch(stub, aggs_path(DAY))
        assert status == 429 and "Retry-After" not in headers
        assert "exceeded the maximum requests per minute" in json.loads(body)["error"]
        assert fetch(stub, "/v3/reference/splits?ticker=SPY")[0] == 200  # not counted
        assert fetch(stub, aggs_path(DAY), key="wrong")[0] == 401  # nor is this
        clock.now = 6_060.0  # the next window, though only 0.1 s later
        assert [fetch(stub, aggs_path(DAY))[0] for _ in range(3)] == [200, 200, 429]
        wasted = stub.rate_limited_requests()
        assert len(wasted) == 2 and {r.fault for r in wasted} == {"quota"}
        assert len(stub.served_requests()) == 4
        assert all(r.wall > 0 for r in stub.requests)


def test_the_quota_can_count_every_endpoint(calendar: ExchangeCalendar) -> None:
    with PolygonStub(calendar=calendar, quota=1, quota_window=3600.0, quota_scope="all") as stub:
        assert fetch(stub, "/v3/reference/splits?ticker=SPY")[0] == 200
        assert fetch(stub, aggs_path(DAY))[0] == 429


def test_massive_with_a_quota_and_retries_wastes_its_retries(calendar: ExchangeCalendar) -> None:
    with PolygonStub(calendar=calendar, quota=1, quota_window=3600.0) as stub:
        patient = RESTClient(stub.api_key, base=stub.base_url, retries=2)
        assert patient.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
        started = time.monotonic()
        with pytest.raises(MaxRetryError, match="too many 429 error responses"):
            patient.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
        # No Retry-After: urllib3's short backoff only, every retry refused again.
        assert time.monotonic() - started < 2.0
        assert len(stub.rate_limited_requests()) == 3


def test_massive_with_retries_sleeps_for_retry_after_then_succeeds(stub: PolygonStub) -> None:
    stub.faults.rate_limit(1, retry_after=1)
    patient = RESTClient(stub.api_key, base=stub.base_url, retries=1)
    aggs = patient.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    assert aggs
    limited, served = stub.aggs_requests()
    assert (limited.status, limited.fault, served.status) == (429, "rate_limit", 200)
    assert served.at - limited.at >= 0.9


def test_server_errors_come_in_the_order_armed(stub: PolygonStub) -> None:
    stub.faults.server_errors([500, 502, 503])
    answers = [fetch(stub, aggs_path(DAY)) for _ in range(4)]
    assert [status for status, _, _ in answers] == [500, 502, 503, 200]
    assert json.loads(answers[0][2])["error"] == "Internal Server Error"
    assert answers[1][1]["Content-Type"] == "text/html"  # from the gateway, not JSON


def test_massive_retries_server_errors_with_backoff(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.server_errors([502])
    with pytest.raises(MaxRetryError, match="too many 502 error responses"):
        client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    stub.faults.server_errors([500, 502, 503])
    patient = RESTClient(stub.api_key, base=stub.base_url, retries=3)
    assert patient.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    assert [r.status for r in stub.aggs_requests()] == [502, 500, 502, 503, 200]


def test_a_hung_request_does_not_hold_up_the_others(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.hang(1.0)
    hung: list[int] = []
    waiter = threading.Thread(target=lambda: hung.append(fetch(stub, aggs_path(DAY))[0]))
    started = time.monotonic()
    waiter.start()
    while stub.faults.pending():
        time.sleep(0.01)
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    assert time.monotonic() - started < 0.9 and not hung
    waiter.join(3)
    assert hung == [200] and time.monotonic() - started >= 1.0
    assert [r.fault for r in stub.aggs_requests()] == ["hang", None]  # sorted by arrival


def test_answer_time_delays_every_answer_and_concurrent_ones_wait_together(
    stub: PolygonStub,
) -> None:
    stub.answer_time = 0.3
    statuses: list[int] = []
    started = time.monotonic()
    waiters = [
        threading.Thread(target=lambda: statuses.append(fetch(stub, aggs_path(DAY))[0]))
        for _ in range(3)
    ]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join(5)
    took = time.monotonic() - started
    assert statuses == [200, 200, 200]
    assert 0.3 <= took < 0.8  # three answers of 0.3 s each, at the same time
    stub.answer_time = 0.0
    started = time.monotonic()
    assert fetch(stub, aggs_path(DAY))[0] == 200 and time.monotonic() - started < 0.3
    with pytest.raises(ValueError):
        stub.answer_time = -1


def test_remembered_pages_are_built_once_and_answer_the_same(stub: PolygonStub) -> None:
    path = aggs_path(DAY)
    fresh = fetch(stub, path)
    stub.remember_pages()
    stub.warm(path, {"apiKey": "not the key: it is no part of the page"})
    assert stub.pages is not None and (stub.pages.hits, stub.pages.misses) == (0, 0)
    kept, again = fetch(stub, path), fetch(stub, path)
    assert (stub.pages.hits, stub.pages.misses) == (2, 0)
    for status, _, body in (kept, again):
        assert status == 200
        assert {**json.loads(body), "request_id": ""} == {**json.loads(fresh[2]), "request_id": ""}
    fetch(stub, aggs_path(JANUARY))
    assert (stub.pages.hits, stub.pages.misses) == (2, 1)


def test_a_client_read_timeout_sees_the_hang(stub: PolygonStub) -> None:
    stub.faults.hang(1.0)
    impatient = RESTClient(stub.api_key, base=stub.base_url, retries=0, read_timeout=0.2)
    with pytest.raises(MaxRetryError) as raised:
        impatient.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    assert isinstance(raised.value.reason, ReadTimeoutError)


def test_stop_cuts_a_hung_request_short(calendar: ExchangeCalendar) -> None:
    stub = PolygonStub(calendar=calendar).start()
    stub.faults.hang(30.0)
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(fetch(stub, aggs_path(DAY)))
        except OSError as exc:  # the connection ends unanswered
            outcome.append(exc)

    waiter = threading.Thread(target=ask)
    waiter.start()
    while stub.faults.pending():
        time.sleep(0.01)
    started = time.monotonic()
    stub.stop()
    waiter.join(3)
    assert time.monotonic() - started < 2.5
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)


def test_malformed_json_is_silently_dropped_by_massive(
    stub: PolygonStub, client: RESTClient
) -> None:
    stub.faults.malformed()
    status, _, body = fetch(stub, aggs_path(DAY))
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    # massive logs the decoding error and ends the iteration: a mid-listing malformed
    # page truncates the listing without any exception.
    listing = client.list_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end) - 1)
    first_page = [next(listing) for _ in range(PAGE)]
    stub.faults.malformed()
    assert list(listing) == [] and len(first_page) == PAGE
    stub.faults.malformed()
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end)) == []


def test_an_empty_page_ends_massive_listing_early(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.empty_page()
    status, _, body = fetch(stub, aggs_path(DAY))
    answer = json.loads(body)
    assert status == 200 and answer["resultsCount"] == 0 and "results" not in answer
    assert stub.expected_bars("SPY", Timeframe.M1, DAY)
    listing = client.list_aggs("SPY", 1, "minute", ms(DAY.start), ms(DAY.end) - 1)
    first_page = [next(listing) for _ in range(PAGE)]
    stub.faults.empty_page()
    assert list(listing) == [] and len(first_page) == PAGE


def test_null_results_keeps_the_envelope_and_breaks_massive(
    stub: PolygonStub, client: RESTClient
) -> None:
    stub.faults.null_results()
    status, answer = get_json(stub, aggs_path(DAY))
    assert status == 200 and answer["results"] is None
    assert answer["resultsCount"] == answer["queryCount"] == answer["count"] == 0
    assert answer["status"] == "OK" and "next_url" not in answer
    # massive iterates over None: the client must catch what massive does not.
    stub.faults.null_results(2)
    with pytest.raises(TypeError):
        list(client.list_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end)))
    with pytest.raises(AttributeError):
        client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))


def test_an_empty_object_is_exactly_braces(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.empty_object()
    status, headers, body = fetch(stub, aggs_path(DAY))
    assert (status, headers["Content-Type"], body) == (200, "application/json", b"{}")
    stub.faults.empty_object()
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end)) == []


def test_echo_headers_puts_the_key_in_the_error_body(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.echo_headers()
    status, headers, body = fetch(stub, aggs_path(DAY) + "?limit=3")
    assert status == 502 and headers["Content-Type"] == "text/plain"
    text = body.decode()
    assert f"GET {aggs_path(DAY)}?limit=3 HTTP/1.1" in text
    assert f"Authorization: Bearer {stub.api_key}" in text
    stub.faults.echo_headers(status=400)
    with pytest.raises(BadResponse, match=f"Bearer {stub.api_key}"):  # massive passes it on
        client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))
    with pytest.raises(ValueError):
        stub.faults.echo_headers(status=200)


def test_outside_range_adds_bars_before_from_and_after_to(
    stub: PolygonStub, client: RESTClient
) -> None:
    window = Interval(MORNING, MORNING + timedelta(minutes=30))
    stub.faults.outside_range()
    aggs = client.get_aggs("SPY", 1, "minute", ms(window.start), ms(window.end) - 1)
    inside = [a for a in aggs if ms(window.start) <= a.timestamp < ms(window.end)]
    before = [a for a in aggs if a.timestamp < ms(window.start)]
    after = [a for a in aggs if a.timestamp >= ms(window.end)]
    assert client_view(inside) == vendor_view(stub.expected_bars("SPY", Timeframe.M1, window))
    assert len(before) == len(after) == 3
    assert [a.timestamp for a in aggs] == sorted(a.timestamp for a in aggs)


def test_clear_disarms_everything(stub: PolygonStub, client: RESTClient) -> None:
    stub.faults.rate_limit(3)
    stub.faults.server_errors([500])
    stub.faults.hang(5.0)
    stub.faults.malformed()
    stub.faults.rate_limit_for(30.0)
    stub.faults.clear()
    assert stub.faults.pending() == 0
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))


# --- the live feed ----------------------------------------------------------------------


def am_events(frames: list[str]) -> list[dict[str, Any]]:
    return [event for frame in frames for event in json.loads(frame) if event["ev"] == "AM"]


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


async def blocking(call: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(call, *args)


@asynccontextmanager
async def massive_feed(
    stub: PolygonStub, topics: tuple[str, ...] = ("AM.SPY",)
) -> AsyncIterator[list[str]]:
    """massive's WebSocketClient connected to the stub; the raw frames it hands over."""
    frames: list[str] = []

    async def collect(frame: str) -> None:
        frames.append(frame)

    client = WebSocketClient(
        api_key=stub.api_key,
        feed=stub.ws_host,
        market="stocks",
        secure=False,
        subscriptions=list(topics),
        raw=True,
    )
    session = asyncio.create_task(client.connect(collect))
    try:
        yield frames
    finally:
        await client.close()
        await asyncio.wait_for(session, 3)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 10))


def minute_bars(stub: PolygonStub, symbol: str, count: int) -> list[Bar]:
    span = Interval(MORNING, MORNING + timedelta(minutes=count + 5))
    return stub.expected_bars(symbol, Timeframe.M1, span)[:count]


def test_subscribed_bars_arrive_as_vendor_am_events(stub: PolygonStub) -> None:
    spy = minute_bars(stub, "SPY", 2)
    qqq = minute_bars(stub, "QQQ", 2)

    async def scenario() -> None:
        async with massive_feed(stub) as frames:
            await blocking(stub.live.wait_for_subscribers, 1, 2.0, "AM.SPY")
            assert stub.live.connections() == 1
            await blocking(stub.live.emit, spy + qqq)
            await until(lambda: len(am_events(frames)) == 2)
            statuses = [e for frame in frames for e in json.loads(frame) if e["ev"] == "status"]
            assert statuses == [
                {"ev": "status", "status": "success", "message": "subscribed to: AM.SPY"}
            ]
            first, second = am_events(frames)
            assert set(first) == {
                "ev", "sym", "v", "av", "op", "vw", "o", "c", "h", "l", "a", "z", "s", "e"
            }  # fmt: skip
            for event, bar in zip((first, second), spy, strict=True):
                assert (event["sym"], event["s"], event["e"]) == (
                    "SPY", ms(bar.start), ms(bar.start) + 60_000,
                )  # fmt: skip
                assert (event["o"], event["h"], event["l"], event["c"], event["v"]) == (
                    bar.open, bar.high, bar.low, bar.close, bar.volume,
                )  # fmt: skip
            assert second["av"] == spy[0].volume + spy[1].volume
            assert first["op"] == second["op"] == spy[0].open

    run(scenario)
    assert stub.live.sent == [("SPY", bar.start) for bar in spy]


def test_play_batches_each_minute_in_one_message(stub: PolygonStub) -> None:
    async def scenario() -> None:
        async with massive_feed(stub, ("AM.SPY", "AM.QQQ")) as frames:
            await blocking(stub.live.wait_for_subscribers, 1, 2.0, "AM.QQQ")
            played = await blocking(stub.live.play, ["SPY", "QQQ"], MORNING, 3)
            await until(lambda: len(am_events(frames)) == len(played))
            messages = [json.loads(f) for f in frames if json.loads(f)[0]["ev"] == "AM"]
            assert [sorted(e["sym"] for e in m) for m in messages] == [["QQQ", "SPY"]] * 3
            assert [{e["s"] for e in m} for m in messages] == [
                {ms(MORNING + timedelta(minutes=i))} for i in range(3)
            ]

    run(scenario)


def test_unsubscribing_stops_the_events(stub: PolygonStub) -> None:
    first, second = minute_bars(stub, "SPY", 2)
    frames: list[str] = []

    async def scenario() -> None:
        client = WebSocketClient(
            api_key=stub.api_key, feed=stub.ws_host, secure=False, raw=True,
            subscriptions=["AM.SPY"],
        )  # fmt: skip

        async def collect(frame: str) -> None:
            frames.append(frame)

        session = asyncio.create_task(client.connect(collect))
        await blocking(stub.live.wait_for_subscribers, 1, 2.0, "AM.SPY")
        await blocking(stub.live.emit, [first])
        await until(lambda: len(am_events(frames)) == 1)
        client.unsubscribe("AM.SPY")
        await until(lambda: any("unsubscribed to: AM.SPY" in f for f in frames))
        await blocking(stub.live.emit, [second])
        await asyncio.sleep(0.2)
        await client.close()
        await asyncio.wait_for(session, 3)

    run(scenario)
    assert [e["s"] for e in am_events(frames)] == [ms(first.start)]
    assert stub.live.sent == [("SPY", first.start)]


def test_a_wrong_key_on_the_feed_raises_auth_error(stub: PolygonStub) -> None:
    client = WebSocketClient(
        api_key="wrong", feed=stub.ws_host, market="stocks", secure=False, raw=True,
        subscriptions=["AM.SPY"],
    )  # fmt: skip

    async def ignore(frame: str) -> None:
        pass

    async def scenario() -> None:
        with pytest.raises(AuthError, match="authentication failed"):
            await client.connect(ignore)
        # The stub is closing the connection already; let that finish before the loop
        # ends, or the socket is left to the garbage collector.
        await client.close()

    run(scenario)


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-1011", "tcp-close"])
def test_after_a_dropped_connection_massive_reconnects_and_resubscribes(
    stub: PolygonStub, abrupt: bool
) -> None:
    first, second = minute_bars(stub, "SPY", 2)

    async def scenario() -> None:
        async with massive_feed(stub) as frames:
            await blocking(stub.live.wait_for_subscribers, 1, 2.0, "AM.SPY")
            stub.faults.ws_disconnect_after(1, abrupt=abrupt)
            await blocking(stub.live.emit, [first])  # sent, then the connection drops
            await blocking(stub.live.wait_for_subscribers, 1, 3.0, "AM.SPY")
            await blocking(stub.live.emit, [second])
            await until(lambda: len(am_events(frames)) == 2)
            assert [e["s"] for e in am_events(frames)] == [ms(first.start), ms(second.start)]
            resubscribed = [f for f in frames if "subscribed to: AM.SPY" in f]
            assert len(resubscribed) == 2

    run(scenario)
    assert stub.live.sent == [("SPY", first.start), ("SPY", second.start)]


def test_the_feed_lives_only_at_the_market_path(stub: PolygonStub) -> None:
    async def scenario() -> None:
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with websockets.connect(f"ws://{stub.ws_host}/options"):
                pass
        assert raised.value.response.status_code == 404

    run(scenario)


def test_stop_closes_every_connection_and_port(calendar: ExchangeCalendar) -> None:
    stub = PolygonStub(calendar=calendar).start()
    base_url, ws_host = stub.base_url, stub.ws_host
    client = RESTClient(stub.api_key, base=base_url, retries=0)
    assert client.get_aggs("SPY", 1, "hour", ms(DAY.start), ms(DAY.end))  # a kept-alive socket

    async def scenario() -> None:
        async with massive_feed(stub) as frames:
            await blocking(stub.live.wait_for_subscribers, 1, 2.0)
            started = time.monotonic()
            await blocking(stub.stop)
            assert time.monotonic() - started < 2.0
            assert frames  # the subscription was confirmed before the stop
        # massive's connect() returned on its own: the stub closed with 1001 (going away)

    run(scenario)
    for port in (int(base_url.rsplit(":", 1)[1]), int(ws_host.rsplit(":", 1)[1])):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not [t for t in threading.enumerate() if t.name.startswith("polygon-stub")]
    with pytest.raises(RuntimeError):
        _ = stub.base_url
