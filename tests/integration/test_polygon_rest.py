"""The REST source against the Polygon stub: exact windows, pagination, every fault."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chronox_adapters.polygon import PolygonConfig, PolygonRestSource, RateLimiter
from chronox_domain import (
    Interval,
    RateLimited,
    SourceUnavailable,
    Timeframe,
)
from tests.polygon_stub import PolygonStub

pytestmark = pytest.mark.integration

KEY = "pk-test-SECRET-0123456789"
SESSION = Interval(datetime(2024, 11, 26, 9, tzinfo=UTC), datetime(2024, 11, 27, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY, page_size=50_000) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(stub: PolygonStub) -> Iterator[None]:
    stub.faults.clear()
    stub.reset_log()
    yield
    stub.faults.clear()


def source(stub: PolygonStub, **overrides: object) -> PolygonRestSource:
    settings: dict[str, object] = {
        "api_key": KEY,
        "base_url": stub.base_url,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "total_timeout": 5.0,
        **overrides,
    }
    return PolygonRestSource(PolygonConfig(**settings), sleep=lambda _: None)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeframe", list(Timeframe))
def test_a_window_returns_exactly_the_vendors_bars(stub: PolygonStub, timeframe: Timeframe) -> None:
    window = (
        Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC))
        if timeframe is Timeframe.D1
        else SESSION
    )
    fetched = source(stub).fetch("SPY", timeframe, window)
    assert fetched.bars == stub.expected_bars("SPY", timeframe, window)
    assert fetched.bars and fetched.vouched == [window]
    assert len(stub.aggs_requests()) == 1


def test_pages_are_followed(calendar: object) -> None:
    with PolygonStub(api_key=KEY, page_size=100) as paged:
        fetched = source(paged).fetch("QQQ", Timeframe.M1, SESSION)
        expected = paged.expected_bars("QQQ", Timeframe.M1, SESSION)
        assert fetched.bars == expected
        assert len(paged.aggs_requests()) == -(-len(expected) // 100)


def test_bars_outside_the_window_are_dropped(stub: PolygonStub) -> None:
    stub.faults.outside_range(1)
    fetched = source(stub).fetch("SPY", Timeframe.M1, SESSION)
    assert fetched.bars == stub.expected_bars("SPY", Timeframe.M1, SESSION)


def test_an_empty_answer_is_an_empty_window(stub: PolygonStub) -> None:
    stub.faults.empty_page(1)
    fetched = source(stub).fetch("SPY", Timeframe.M1, SESSION)
    assert fetched.bars == [] and fetched.vouched == [SESSION]


@pytest.mark.parametrize(
    "arm",
    [
        lambda f: f.rate_limit(3, retry_after=0),
        lambda f: f.server_errors([500, 502, 503]),
        lambda f: f.malformed(2),
        lambda f: f.hang(2.0),
    ],
    ids=["429-burst", "5xx", "malformed-json", "hung-response"],
)
def test_transient_faults_are_retried_within_the_budget(stub: PolygonStub, arm: object) -> None:
    arm(stub.faults)  # type: ignore[operator]
    rest = source(stub, total_timeout=0.5, read_timeout=0.5)
    fetched = rest.fetch("SPY", Timeframe.M1, SESSION)
    assert fetched.bars == stub.expected_bars("SPY", Timeframe.M1, SESSION)
    assert rest.retries >= 1 and stub.faults.pending() == 0


def test_retry_after_is_honoured() -> None:
    waited: list[float] = []
    with PolygonStub(api_key=KEY) as limited:
        limited.faults.rate_limit(1, retry_after=7)
        config = PolygonConfig(api_key=KEY, base_url=limited.base_url, backoff_base=0.01)
        PolygonRestSource(config, sleep=waited.append).fetch("SPY", Timeframe.M1, SESSION)
    assert len(waited) == 1 and 7.0 <= waited[0] < 7.1


def test_an_exhausted_budget_says_what_happened(stub: PolygonStub) -> None:
    # 429s are waited out for three quota windows (here 0.2 s each), then given up.
    stub.faults.rate_limit_for(3.0)
    rest = PolygonRestSource(PolygonConfig(KEY, base_url=stub.base_url, quota_window=0.2))
    with pytest.raises(RateLimited, match=r"kept refusing .* rate limit .*429"):
        rest.fetch("SPY", Timeframe.M1, SESSION)
    assert 2 <= rest.rate_limited <= 5  # about one request per quota window, not a stream
    stub.faults.clear()
    stub.faults.server_errors([503] * 10)
    with pytest.raises(SourceUnavailable, match="server error 503"):
        source(stub, max_retries=2).fetch("SPY", Timeframe.M1, SESSION)


def test_a_refused_key_fails_at_once(stub: PolygonStub) -> None:
    with pytest.raises(SourceUnavailable, match="refused the API key"):
        source(stub, api_key="wrong").fetch("SPY", Timeframe.M1, SESSION)
    assert len(stub.aggs_requests()) == 1


def test_the_key_never_leaks(stub: PolygonStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    stub.faults.rate_limit(2, retry_after=0)
    stub.faults.server_errors([502])
    rest = source(stub)
    rest.fetch("SPY", Timeframe.M1, SESSION)
    stub.faults.server_errors([503] * 10)
    with pytest.raises(SourceUnavailable) as failure:
        source(stub, max_retries=1).fetch("SPY", Timeframe.M1, SESSION)
    for text in (caplog.text, str(failure.value), repr(rest), repr(rest.config)):
        assert KEY not in text


def test_one_limiter_paces_every_fetch_of_the_process(stub: PolygonStub) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, clock=lambda: now[0], sleep=sleep)
    config = PolygonConfig(api_key=KEY, base_url=stub.base_url)
    first, second = PolygonRestSource(config, limiter), PolygonRestSource(config, limiter)
    for rest in (first, second, first):
        rest.fetch("SPY", Timeframe.M1, SESSION)
    assert slept == [60.0]  # the third request of the minute waited for the window
