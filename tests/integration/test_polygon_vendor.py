"""Ingestion from the Polygon source against the stub's faithful imitation of the vendor:
its ``limit`` in base aggregates, its cursor-only ``next_url``, its empty answers, its
403 plan limits, its 429s without ``Retry-After`` and its case-sensitive tickers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.clock import FixedClock
from chronox_adapters.polygon import PolygonConfig, PolygonRestSource, RateLimiter
from chronox_domain import (
    CoverageStatus,
    Interval,
    RateLimited,
    SessionKind,
    SourceUnavailable,
    Timeframe,
)
from chronox_domain.ports import MarketDataRepository
from chronox_domain.services import CoverageService, IngestionService, IngestRequest
from tests.conftest import Stack, hermetic_settings
from tests.polygon_stub import PolygonStub

pytestmark = pytest.mark.integration

KEY = "pk-vendor-SECRET-5b2e"
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(stub: PolygonStub) -> Iterator[None]:
    stub.faults.clear()
    stub.reset_log()
    stub.splits = {}
    yield
    stub.faults.clear()
    stub.known_tickers = None
    stub.history_from = None


@dataclass
class Pipeline:
    """One store, one source and the services over them, at a clock we move."""

    repository: MarketDataRepository
    source: PolygonRestSource
    coverage: CoverageService
    ingestion: IngestionService
    clock: FixedClock

    def ingest(self, symbol: str, first: date, last: date, timeframe: Timeframe = Timeframe.M1):  # type: ignore[no-untyped-def]
        return self.ingestion.ingest(
            IngestRequest((symbol,), timeframe, SessionKind.RTH, first, last)
        )

    def gaps(self, symbol: str, first: date, last: date, timeframe: Timeframe = Timeframe.M1):  # type: ignore[no-untyped-def]
        return self.coverage.gaps([symbol], timeframe, SessionKind.RTH, first, last)


def pipeline(
    stub: PolygonStub,
    stack: Stack,
    recheck: timedelta = timedelta(hours=24),
    **config: object,
) -> Pipeline:
    """The application on the memory store, its source the vendor's client at ``stub``."""
    settings: dict[str, object] = {
        "api_key": KEY,
        "base_url": stub.base_url,
        "backoff_base": 0.01,
        **config,
    }
    source = PolygonRestSource(PolygonConfig(**settings))  # type: ignore[arg-type]
    clock = FixedClock(NOW)
    app = stack(
        hermetic_settings(empty_recheck_hours=recheck / timedelta(hours=1)),
        source=source,
        clock=clock,
    )
    return Pipeline(app.repository(), source, app.coverage(), app.ingestion(), clock)


# -- requests as the vendor counts them --------------------------------------------------


@pytest.mark.parametrize("timeframe", list(Timeframe))
def test_a_symbol_year_is_the_planned_requests_one_page_each(
    stub: PolygonStub, stack: Stack, timeframe: Timeframe
) -> None:
    """``limit`` counts base (minute) aggregates for every intraday timespan (rest.json),
    so a plan in minutes makes every request one page: about five for a year of 1m, 5m,
    15m or 1h bars, one for a year of daily bars."""
    p = pipeline(stub, stack)
    report = p.ingest("SPY", date(2024, 1, 2), date(2024, 12, 31), timeframe)

    requests = stub.aggs_requests()
    assert report.requests == len(requests)  # no follow-up page: each plan is one page
    assert {r.query["limit"] for r in requests} == {"50000"}
    assert report.requests == (1 if timeframe is Timeframe.D1 else 5)
    assert p.gaps("SPY", date(2024, 1, 2), date(2024, 12, 31), timeframe) == []


def test_follow_up_pages_keep_the_unadjusted_basis(stub: PolygonStub, stack: Stack) -> None:
    """``next_url`` carries only a cursor of ``limit`` and ``sort``; ``adjusted`` left out
    would be the vendor's default (adjusted) from page two on."""
    stub.splits = {"NVDA": [(date(2024, 6, 10), 1, 10)]}
    small_pages = PolygonStub(api_key=KEY, page_size=500)
    small_pages.splits = stub.splits
    with small_pages:
        p = pipeline(small_pages, stack)
        report = p.ingest("NVDA", date(2024, 6, 6), date(2024, 6, 11))
        window = Interval(datetime(2024, 6, 6, tzinfo=UTC), datetime(2024, 6, 12, tzinfo=UTC))
        served = small_pages.expected_bars("NVDA", Timeframe.M1, window, adjusted=False)
        follow_ups = [r for r in small_pages.aggs_requests() if "cursor" in r.query]
    assert len(follow_ups) >= 3
    assert all(r.query.get("adjusted") == "false" for r in follow_ups)
    stored = {b.start: b.close for b in p.repository.bars("NVDA", Timeframe.M1, window)}
    assert report.bars_written == len(stored) > 0
    assert all(stored[b.start] == b.close for b in served if b.start in stored)


def test_a_page_on_the_other_price_basis_is_refused_and_nothing_stored(
    stub: PolygonStub, stack: Stack
) -> None:
    stub.faults.wrong_basis(1)
    p = pipeline(stub, stack)
    with pytest.raises(
        SourceUnavailable, match="split-adjusted prices, the opposite of what was asked"
    ):
        p.ingest("SPY", date(2024, 11, 25), date(2024, 11, 26))
    assert p.repository.counts()["bars"] == 0


# -- empty answers -----------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["empty_page", "null_results", "empty_object"])
def test_an_empty_answer_is_believed_only_when_a_second_one_agrees(
    stub: PolygonStub, stack: Stack, fault: str
) -> None:
    """The vendor has answered ``"results": null`` and ``{}`` for days that traded, and
    fixed them later: the first empty answer is unconfirmed, no gap, and asked once more
    after the recheck delay; here the second answer has the bars."""
    getattr(stub.faults, fault)(1)
    p = pipeline(stub, stack)
    first = p.ingest("SPY", date(2024, 11, 25), date(2024, 11, 27))
    assert (first.windows_unconfirmed, first.windows_empty, first.bars_written) == (3, 0, 0)
    assert p.gaps("SPY", date(2024, 11, 25), date(2024, 11, 27)) == []  # no gap to show
    waiting = p.coverage.unconfirmed(
        ["SPY"], Timeframe.M1, SessionKind.RTH, date(2024, 11, 25), date(2024, 11, 27)
    )
    assert len(waiting) == 3

    assert p.ingest("SPY", date(2024, 11, 25), date(2024, 11, 27)).requests == 0  # not yet due
    p.clock.advance(timedelta(hours=24))
    second = p.ingest("SPY", date(2024, 11, 25), date(2024, 11, 27))
    assert (second.requests, second.windows_rechecked, second.windows_unconfirmed) == (1, 3, 0)
    assert second.bars_written > 3 * 380
    assert {s.status for s in p.repository.coverage("SPY", Timeframe.M1)} == {CoverageStatus.FINAL}


def test_a_second_empty_answer_is_final(stub: PolygonStub, stack: Stack) -> None:
    """A ticker the vendor does not know (case matters: ``KIMpL`` is not ``KIMPL``) is
    answered empty both times: confirmed empty, never asked again."""
    stub.known_tickers = {"KIMpL"}
    p = pipeline(stub, stack, recheck=timedelta(0))
    first = p.ingest("kimpl", date(2024, 11, 25), date(2024, 11, 26))  # all lower case: KIMPL
    assert first.windows_unconfirmed == 2
    assert stub.aggs_requests()[0].path.startswith("/v2/aggs/ticker/KIMPL/")
    second = p.ingest("KIMPL", date(2024, 11, 25), date(2024, 11, 26))
    assert (second.windows_rechecked, second.windows_empty, second.windows_unconfirmed) == (2, 2, 0)
    assert p.ingest("KIMPL", date(2024, 11, 25), date(2024, 11, 26)).requests == 0  # final
    assert len(stub.aggs_requests()) == 2


def test_a_mixed_case_ticker_is_asked_for_as_the_vendor_spells_it(
    stub: PolygonStub, stack: Stack
) -> None:
    stub.known_tickers = {"KIMpL"}
    p = pipeline(stub, stack)
    report = p.ingest("KIMpL", date(2024, 11, 25), date(2024, 11, 26))
    assert report.bars_written > 700 and report.windows_unconfirmed == 0
    assert stub.aggs_requests()[0].path.startswith("/v2/aggs/ticker/KIMpL/")
    assert p.repository.counts()["bars"] == report.bars_written


# -- plan limits (403) -------------------------------------------------------------------


def test_a_window_the_plan_does_not_cover_is_refused_and_the_rest_is_stored(
    stack: Stack,
) -> None:
    """A plan that reads only so far back answers 403 NOT_AUTHORIZED for older windows:
    those stay gaps, with the vendor's words; the windows it allows are fetched."""
    with PolygonStub(api_key=KEY, history_from=date(2024, 3, 1)) as limited:
        p = pipeline(limited, stack)
        report = p.ingest("SPY", date(2023, 11, 1), date(2024, 6, 28))
        assert report.windows_refused > 0 and report.bars_written > 0
        (refusal, *_) = report.refusals
        assert "NOT_AUTHORIZED" in refusal.reason
        assert "Your plan doesn't include this data timeframe" in refusal.reason
        # Refused per request (a request spans up to ~50 sessions): what stays a gap
        # is exactly the refused requests' windows, and it all lies before the limit
        # or in the one request that straddles it.
        refused = [r.window for r in report.refusals]
        gaps = p.gaps("SPY", date(2023, 11, 1), date(2024, 6, 28))
        assert gaps and all(
            any(w.start <= g.interval.start and g.interval.end <= w.end for w in refused)
            for g in gaps
        )
        assert min(w.start for w in refused) < datetime(2024, 3, 1, tzinfo=UTC)
        assert all(w.start < datetime(2024, 3, 1, tzinfo=UTC) for w in refused)
        assert not p.gaps("SPY", date(2024, 5, 1), date(2024, 6, 28))
        # Asked again from the plan's first day, the part it allows is fetched.
        later = p.ingest("SPY", date(2024, 3, 1), date(2024, 6, 28))
        assert later.windows_refused == 0
        assert not p.gaps("SPY", date(2024, 3, 1), date(2024, 6, 28))


def test_a_refused_key_still_stops_at_once(stub: PolygonStub, stack: Stack) -> None:
    p = pipeline(stub, stack, api_key="not-the-key")
    with pytest.raises(SourceUnavailable, match=r"refused the API key \(401: Unknown API Key\)"):
        p.ingest("SPY", date(2024, 1, 2), date(2024, 12, 31))
    assert len(stub.aggs_requests()) == 1


# -- rate limits (429 without Retry-After) -----------------------------------------------


class FakeTime:
    """One clock for the stub's quota windows, the client and its limiter: minutes of
    the vendor's real quota window pass in no time."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0 + 7.0  # some seconds into a wall-clock minute
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_quota_is_learned_from_its_first_429(stack: Stack) -> None:
    """A plan of 2 requests a minute and a client told nothing about it: one 429, a wait
    for the next minute, then the limiter paces at the 2 that got through; no other
    request is wasted and the backfill completes."""
    time = FakeTime()
    symbols = ("SPY", "QQQ", "IWM", "DIA", "AAPL", "MSFT")
    with PolygonStub(api_key=KEY, quota=2, quota_window=60.0, clock=time) as plan:
        config = PolygonConfig(KEY, base_url=plan.base_url)
        limiter = RateLimiter(None, clock=time, sleep=time.sleep)
        source = PolygonRestSource(config, limiter, sleep=time.sleep, clock=time)
        request = IngestRequest(
            symbols, Timeframe.D1, SessionKind.RTH, date(2024, 11, 25), date(2024, 11, 29)
        )
        report = stack(source=source).ingestion().ingest(request)
        wasted = plan.rate_limited_requests()
        served = plan.served_requests()
    assert report.requests == len(served) == 6
    assert len(wasted) == 1  # the first one teaches the pace; none after it
    assert limiter.per_minute == 2
    first_wait = time.slept[0]
    assert 53.0 <= first_wait <= 53.0 + 3.0  # to the next minute, with a little jitter
    assert time.now - 1_800_000_007.0 < 3 * 60 + 10  # 6 requests at 2 a minute


def test_seconds_of_429s_without_retry_after_are_waited_out(
    stub: PolygonStub, stack: Stack
) -> None:
    stub.faults.rate_limit_for(1.5)
    p = pipeline(stub, stack, quota_window=1.0)
    report = p.ingest("SPY", date(2024, 1, 2), date(2024, 12, 31), Timeframe.H1)
    assert report.requests == 5 and report.bars_written > 0
    assert 1 <= len(stub.rate_limited_requests()) <= 3  # about one per quota window


def test_429s_past_three_quota_windows_are_one_clear_error(stub: PolygonStub, stack: Stack) -> None:
    stub.faults.rate_limit_for(5.0)
    p = pipeline(stub, stack, quota_window=0.3)
    with pytest.raises(RateLimited, match="CHRONOX_POLYGON_RATE"):
        p.ingest("SPY", date(2024, 11, 25), date(2024, 11, 26))
    assert p.repository.counts()["bars"] == 0
