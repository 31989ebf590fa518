"""The vendor adapter's pure pieces: rate limiter, backoff, parsing, config."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chronox_adapters.polygon import PolygonConfig, RateLimiter
from chronox_adapters.polygon.parsing import parse_aggregates, parse_minute_event
from chronox_adapters.polygon.retry import Backoff, parse_retry_after
from chronox_domain import MalformedData, Timeframe


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_limiter_allows_n_per_sliding_minute() -> None:
    time = FakeTime()
    limiter = RateLimiter(5, clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        limiter.acquire()
    assert time.slept == []
    time.now += 10
    limiter.acquire()  # the sixth waits until the first leaves the window
    assert time.slept == [50.0]
    assert limiter.waited == 50.0


def test_an_unlimited_limiter_never_waits() -> None:
    time = FakeTime()
    limiter = RateLimiter(None, clock=time.clock, sleep=time.sleep)
    for _ in range(1000):
        limiter.acquire()
    assert time.slept == []


def test_a_429_sets_the_pace_to_what_got_through_in_the_window() -> None:
    time = FakeTime()
    limiter = RateLimiter(None, clock=time.clock, sleep=time.sleep)
    for _ in range(6):  # the vendor took 5 and refused the sixth
        limiter.acquire()
    assert limiter.throttled() == 5
    limiter.acquire()  # the window is full: wait until its first request leaves it
    assert time.slept == [60.0]


def test_repeated_429s_do_not_shrink_the_pace_to_nothing() -> None:
    """An outage of 429s (nothing gets through) teaches no pace: it is not a quota."""
    time = FakeTime()
    limiter = RateLimiter(None, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        limiter.acquire()
        assert limiter.throttled() is None
        time.now += 61
    limiter.acquire()
    assert limiter.throttled() is None and time.slept == []


def test_a_learned_pace_never_rises_above_the_configured_one() -> None:
    time = FakeTime()
    limiter = RateLimiter(3, clock=time.clock, sleep=time.sleep)
    limiter.acquire()
    limiter.acquire()
    assert limiter.throttled() == 1  # one got through before the second was refused
    assert limiter.per_minute == 1


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    backoff = Backoff(base=0.5, cap=4.0, random_unit=lambda: 1.0)
    assert [backoff.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.delay(1, retry_after=7) == pytest.approx(7.05)
    jittered = Backoff(base=0.5, cap=4.0, random_unit=lambda: 0.25)
    assert jittered.delay(3) == 0.5
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


PAGE = {
    "ticker": "SPY",
    "results": [
        {
            "v": 100,
            "vw": 10.1,
            "o": 10.0,
            "c": 10.2,
            "h": 10.3,
            "l": 9.9,
            "t": 1732545000000,
            "n": 7,
        },
        {"v": 50, "o": 10.2, "c": 10.1, "h": 10.2, "l": 10.0, "t": 1732545060000},
    ],
    "status": "OK",
}


def test_a_page_parses_into_bars() -> None:
    first, second = parse_aggregates(PAGE, "SPY", Timeframe.M1)
    assert first.start == datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        10.0,
        10.3,
        9.9,
        10.2,
        100,
    )
    assert (first.vwap, first.trades) == (10.1, 7)
    assert (second.vwap, second.trades) == (None, None)


def test_daily_aggregates_are_stamped_with_their_session_date() -> None:
    # The vendor stamps a daily bar at midnight New York: 05:00Z in winter, 04:00Z in summer.
    winter = {"results": [{**PAGE["results"][0], "t": 1732510800000}]}  # 2024-11-25 05:00Z
    summer = {"results": [{**PAGE["results"][0], "t": 1718510400000}]}  # 2024-06-16 04:00Z
    (w,) = parse_aggregates(winter, "SPY", Timeframe.D1)
    (s,) = parse_aggregates(summer, "SPY", Timeframe.D1)
    assert w.start == datetime(2024, 11, 25, tzinfo=UTC)
    assert s.start.date() == date(2024, 6, 16) and s.start.hour == 0


def test_an_empty_page_and_a_malformed_one() -> None:
    assert parse_aggregates({"resultsCount": 0, "status": "OK"}, "SPY", Timeframe.M1) == []
    with pytest.raises(MalformedData):
        parse_aggregates({"results": [{"o": 1}]}, "SPY", Timeframe.M1)
    with pytest.raises(MalformedData):
        parse_aggregates({"results": "nope"}, "SPY", Timeframe.M1)


def test_a_minute_event_parses() -> None:
    event = {"ev": "AM", "sym": "SPY", "v": 5, "o": 1.0, "c": 1.1, "h": 1.2, "l": 0.9,
             "vw": 1.05, "s": 1732545000000, "e": 1732545060000}  # fmt: skip
    bar = parse_minute_event(event)
    assert bar.start == datetime(2024, 11, 25, 14, 30, tzinfo=UTC) and bar.close == 1.1


def test_the_config_never_shows_its_key() -> None:
    config = PolygonConfig(api_key="sekrit-key-123", base_url="http://127.0.0.1:1")
    assert "sekrit" not in repr(config) and "sekrit" not in str(config)
    assert config.source_name == "polygon"
