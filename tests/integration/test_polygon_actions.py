"""Corporate actions from the Polygon stub's reference endpoints, over real HTTP.

The expected values are the vendor's documented ones (the stub's data cite them): AAPL's
splits of 2005, 2014 and 2020, rest.json's META events (FB became META on 2022-06-09),
its AAPL overview (listed 1980-12-12).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
from chronox_adapters.polygon.actions import PolygonCorporateActions
from chronox_domain.actions import AdjustmentType, CorporateActions, TickerChange
from chronox_domain.errors import NotFound, RateLimited, SourceUnavailable
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import StubDividend, StubSplit, documented

pytestmark = pytest.mark.integration

KEY = "pk-test-SECRET-0123456789"
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
SPLITS = "/stocks/v1/splits"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(stub: PolygonStub) -> Iterator[None]:
    stub.reference = documented()
    stub.known_tickers = None
    stub.reference_faults.clear()
    stub.faults.clear()
    stub.reset_log()
    yield
    stub.reference_faults.clear()


def rest(stub: PolygonStub, **overrides: object) -> PolygonRestSource:
    settings: dict[str, object] = {
        "api_key": KEY,
        "base_url": stub.base_url,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "total_timeout": 5.0,
        **overrides,
    }
    return PolygonRestSource(PolygonConfig(**settings), sleep=lambda _: None)  # type: ignore[arg-type]


def actions_of(stub: PolygonStub, symbol: str, **overrides: object) -> CorporateActions:
    return PolygonCorporateActions(rest(stub, **overrides), clock=lambda: NOW).actions(symbol)


def requests_to(stub: PolygonStub, path: str) -> int:
    return sum(1 for record in stub.requests if record.path == path)


def test_aapl_splits_with_the_vendors_factors(stub: PolygonStub) -> None:
    found = actions_of(stub, "AAPL")
    assert [
        (s.execution_date, s.split_from, s.split_to, s.adjustment_type) for s in found.splits
    ] == [
        (date(2005, 2, 28), 1, 2, AdjustmentType.FORWARD_SPLIT),
        (date(2014, 6, 9), 1, 7, AdjustmentType.FORWARD_SPLIT),
        (date(2020, 8, 31), 1, 4, AdjustmentType.FORWARD_SPLIT),
    ]
    factors = [s.historical_adjustment_factor for s in found.splits]
    # 0.25 is the documented factor of the 2020 1-for-4; the factor is cumulative, so a
    # day of 2005 after February (before 2014's split) divides by 7 * 4 = 28.
    assert factors == pytest.approx([1 / 56, 1 / 28, 0.25])
    assert found.fetched_at == NOW and found.symbol == "AAPL"
    assert all(s.fetched_at == NOW for s in found.splits)


def test_every_page_is_followed(stub: PolygonStub) -> None:
    whole = actions_of(stub, "AAPL")
    stub.reset_log()
    paged = actions_of(stub, "AAPL", reference_page_limit=1)
    assert paged == whole
    assert requests_to(stub, SPLITS) == 3  # one split a page
    assert requests_to(stub, "/stocks/v1/dividends") == 2


def test_a_reverse_split(stub: PolygonStub) -> None:
    (split,) = actions_of(stub, "GE").splits
    assert (split.execution_date, split.adjustment_type) == (
        date(2021, 8, 2),
        AdjustmentType.REVERSE_SPLIT,
    )
    assert split.ratio == 1 / 8
    assert split.historical_adjustment_factor == 8


def test_a_stock_dividend_is_a_split_of_its_own_type(stub: PolygonStub) -> None:
    (split,) = actions_of(stub, "STKD").splits
    assert split.adjustment_type is AdjustmentType.STOCK_DIVIDEND
    assert split.ratio == pytest.approx(1.05)


def test_cash_dividends_with_their_dates(stub: PolygonStub) -> None:
    dividends = actions_of(stub, "AAPL").dividends
    assert [d.ex_dividend_date for d in dividends] == [date(2021, 8, 6), date(2021, 11, 5)]
    latest = dividends[-1]
    assert (latest.cash_amount, latest.currency) == (0.22, "USD")
    assert (latest.declaration_date, latest.record_date, latest.pay_date) == (
        date(2021, 10, 28),
        date(2021, 11, 8),
        date(2021, 11, 11),
    )
    assert (latest.distribution_type, latest.frequency) == ("recurring", "4")
    assert latest.historical_adjustment_factor == 0.998533


def test_a_dividend_without_currency_is_in_the_listings(stub: PolygonStub) -> None:
    stub.reference.dividends = [StubDividend("AAPL", date(2024, 2, 9), 0.24, currency=None)]
    (dividend,) = actions_of(stub, "AAPL").dividends
    assert dividend.currency == "USD"  # the overview's currency_name "usd"


def test_meta_follows_the_fb_rename(stub: PolygonStub) -> None:
    found = actions_of(stub, "META")
    assert found.ticker_changes == (TickerChange("META", "FB", "META", date(2022, 6, 9), NOW),)
    assert found.listing is not None and found.listing.listed == date(2012, 5, 18)


def test_listing_and_delisting_dates(stub: PolygonStub) -> None:
    snow = actions_of(stub, "SNOW").listing
    assert snow is not None and (snow.listed, snow.delisted, snow.active) == (
        date(2020, 9, 16),
        None,
        True,
    )
    assert not snow.trades_on(date(2020, 9, 15)) and snow.trades_on(date(2020, 9, 16))
    twtr = actions_of(stub, "TWTR").listing
    assert twtr is not None and twtr.active is False
    # delisted_utc is the last date traded: that session is kept, the next is not.
    assert twtr.trades_on(date(2022, 10, 27)) and not twtr.trades_on(date(2022, 10, 28))


def test_an_unknown_ticker_is_one_clear_error_after_one_request(stub: PolygonStub) -> None:
    stub.known_tickers = {"AAPL"}
    with pytest.raises(NotFound, match="the vendor does not know ticker ZZZZ"):
        actions_of(stub, "ZZZZ")
    assert [record.path for record in stub.requests] == ["/v3/reference/tickers/ZZZZ"]


def test_a_former_ticker_is_unknown(stub: PolygonStub) -> None:
    with pytest.raises(NotFound, match="FB"):
        actions_of(stub, "FB")


def test_items_of_other_tickers_are_left_out(stub: PolygonStub) -> None:
    stub.reference_faults.splits_foreign_items()
    stub.reference.dividends.append(StubDividend("MSFT", date(2021, 11, 17), 0.62))
    found = actions_of(stub, "AAPL")
    assert {s.symbol for s in found.splits} == {"AAPL"} and len(found.splits) == 3
    assert {d.symbol for d in found.dividends} == {"AAPL"} and len(found.dividends) == 2


def test_a_split_announced_later_is_there_on_the_next_fetch(stub: PolygonStub) -> None:
    assert len(actions_of(stub, "AAPL").splits) == 3
    stub.reference.splits.append(StubSplit("AAPL", date(2026, 6, 1), 1, 2, "forward_split"))
    splits = actions_of(stub, "AAPL").splits
    assert [s.execution_date for s in splits][-1] == date(2026, 6, 1)
    assert splits[0].historical_adjustment_factor == pytest.approx(1 / 112)


def test_a_429_is_waited_out_like_the_aggregates(stub: PolygonStub) -> None:
    stub.reference_faults.rate_limit(2)
    source = rest(stub)
    found = PolygonCorporateActions(source, clock=lambda: NOW).actions("AAPL")
    assert len(found.splits) == 3
    assert source.rate_limited == 2
    assert len(stub.rate_limited_requests()) == 2


def test_server_errors_and_a_malformed_body_are_retried(stub: PolygonStub) -> None:
    stub.reference_faults.server_errors([500, 502, 503])
    stub.reference_faults.malformed(1)
    source = rest(stub)
    found = PolygonCorporateActions(source, clock=lambda: NOW).actions("META")
    assert found.ticker_changes and source.retries == 4


def test_a_hung_answer_is_cut_by_the_deadline_and_retried(stub: PolygonStub) -> None:
    stub.reference_faults.hang(3.0)
    source = rest(stub, total_timeout=0.5)
    found = PolygonCorporateActions(source, clock=lambda: NOW).actions("SNOW")
    assert found.listing is not None and source.retries == 1


def test_errors_that_last_end_in_source_unavailable(stub: PolygonStub) -> None:
    stub.reference_faults.server_errors([502] * 10)
    with pytest.raises(SourceUnavailable, match="ticker overview of AAPL"):
        actions_of(stub, "AAPL", max_retries=2)


def test_a_rate_limit_that_lasts_ends_in_rate_limited(stub: PolygonStub) -> None:
    stub.reference_faults.rate_limit_for(5.0)
    with pytest.raises(RateLimited):
        actions_of(stub, "AAPL", quota_window=0.01, rate_limit_windows=1.0)


def test_aggregates_faults_never_reach_the_reference_endpoints(stub: PolygonStub) -> None:
    stub.faults.server_errors([500])
    actions_of(stub, "AAPL")
    assert stub.faults.pending() == 1
    assert all(record.status == 200 for record in stub.requests)


def test_an_unknown_adjustment_type_is_refused_naming_it(stub: PolygonStub) -> None:
    stub.reference.splits.append(StubSplit("AAPL", date(2024, 1, 2), 1, 1, "spin_off"))
    with pytest.raises(SourceUnavailable, match=r"malformed .*split of AAPL.*spin_off"):
        actions_of(stub, "AAPL")


def test_the_stubs_defaults_are_the_documented_ones(stub: PolygonStub) -> None:
    """Newest first, 100 a page, limits past 5000 refused (SPLITS, DIVIDENDS)."""

    def get(path: str) -> tuple[int, dict[str, object]]:
        url = f"{stub.base_url}{path}&apiKey={KEY}"
        try:
            with urllib.request.urlopen(url) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    status, page = get(f"{SPLITS}?ticker=AAPL")
    assert status == 200 and "next_url" not in page
    dates = [item["execution_date"] for item in page["results"]]  # type: ignore[attr-defined]
    assert dates == ["2020-08-31", "2014-06-09", "2005-02-28"]
    assert get(f"{SPLITS}?limit=5001")[0] == 400
    status, page = get(f"{SPLITS}?adjustment_type.any_of=reverse_split,stock_dividend")
    assert {item["ticker"] for item in page["results"]} == {"GE", "STKD"}  # type: ignore[attr-defined]
