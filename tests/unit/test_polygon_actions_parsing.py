"""The vendor's reference answers parsed into corporate actions, on recorded answers.

Where the vendor publishes an example response, it is copied here (short, cited):
rest.json is ``.massive/rest.json`` of the official client (massive-com/client-python,
formerly polygon-io/client-python). The /stocks/v1 pages document their fields but show
no example a test could copy; those answers are built from the fields the pages list
(https://massive.com/docs/rest/stocks/corporate-actions/splits and .../dividends) with
the values of rest.json's examples of the endpoints they replace.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chronox_adapters.polygon.reference_parsing import (
    listing_currency,
    parse_dividends,
    parse_listing,
    parse_splits,
    parse_ticker_changes,
)
from chronox_domain.actions import AdjustmentType, TickerChange
from chronox_domain.errors import MalformedData

AT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)

# rest.json, /vX/reference/tickers/{id}/events, GET, 200 example (verbatim).
META_EVENTS: dict[str, Any] = {
    "request_id": "31d59dda-80e5-4721-8496-d0d32a654afe",
    "results": {
        "events": [
            {"date": "2022-06-09", "ticker_change": {"ticker": "META"}, "type": "ticker_change"},
            {"date": "2012-05-18", "ticker_change": {"ticker": "FB"}, "type": "ticker_change"},
        ],
        "name": "Meta Platforms, Inc. Class A Common Stock",
    },
    "status": "OK",
}

# rest.json, /v3/reference/tickers/{ticker}, GET, 200 example, the fields read here and
# a few beside them (address, branding, description... left out for length).
AAPL_OVERVIEW: dict[str, Any] = {
    "request_id": "31d59dda-80e5-4721-8496-d0d32a654afe",
    "results": {
        "active": True,
        "cik": "0000320193",
        "composite_figi": "BBG000B9XRY4",
        "currency_name": "usd",
        "list_date": "1980-12-12",
        "locale": "us",
        "market": "stocks",
        "name": "Apple Inc.",
        "primary_exchange": "XNAS",
        "ticker": "AAPL",
        "type": "CS",
    },
    "status": "OK",
}

# /stocks/v1/splits: the fields of its response attributes (adjustment_type,
# execution_date, historical_adjustment_factor, id, split_from, split_to, ticker) with
# rest.json's /v3/reference/splits example values (AAPL 2020-08-31 1:4, 2005-02-28 1:2);
# 0.25 is the documented factor of the 2020 split, 0.017857... that of 2005 by the
# definition ("cumulative": 1/2 * 1/7 * 1/4).
AAPL_SPLITS: dict[str, Any] = {
    "next_url": "https://api.massive.com/stocks/v1/splits?cursor=YWJj",
    "request_id": "a47d1beb8c11b6ae897ab76a1b095d8d",
    "results": [
        {
            "adjustment_type": "forward_split",
            "execution_date": "2020-08-31",
            "historical_adjustment_factor": 0.25,
            "id": "E36416cce743c3964c5da63e1ef1626c0aece30fb47302eea5a49c0055c04e8d0",
            "split_from": 1,
            "split_to": 4,
            "ticker": "AAPL",
        },
        {
            "adjustment_type": "forward_split",
            "execution_date": "2005-02-28",
            "historical_adjustment_factor": 0.017857142857142856,
            "id": "E90a77bdf742661741ed7c8fc086415f0457c2816c45899d73aaa88bdc8ff6025",
            "split_from": 1,
            "split_to": 2,
            "ticker": "AAPL",
        },
    ],
    "status": "OK",
}

# /stocks/v1/dividends: its fields (cash_amount, currency, declaration_date,
# distribution_type, ex_dividend_date, frequency, historical_adjustment_factor, id,
# pay_date, record_date, split_adjusted_cash_amount, ticker) with rest.json's
# /v3/reference/dividends example values (AAPL 0.22 ex 2021-11-05; no currency there).
AAPL_DIVIDENDS: dict[str, Any] = {
    "request_id": "b8c3f2e1d4a5b6c7d8e9f0a1b2c3d4e5",
    "results": [
        {
            "cash_amount": 0.22,
            "declaration_date": "2021-10-28",
            "distribution_type": "recurring",
            "ex_dividend_date": "2021-11-05",
            "frequency": 4,
            "historical_adjustment_factor": 0.998533,
            "id": "E8e3c4f794613e9205e2f178a36c53fcc57cdabb55e1988c87b33f9e52e221444",
            "pay_date": "2021-11-11",
            "record_date": "2021-11-08",
            "split_adjusted_cash_amount": 0.22,
            "ticker": "AAPL",
        }
    ],
    "status": "OK",
}


def test_the_documented_meta_events_give_the_fb_rename() -> None:
    assert parse_ticker_changes([META_EVENTS], "META", AT) == [
        TickerChange("META", "FB", "META", date(2022, 6, 9), AT)
    ]


def test_events_named_as_the_schema_names_them() -> None:
    page = copy.deepcopy(META_EVENTS)
    for event in page["results"]["events"]:
        event["event_type"] = event.pop("type")  # rest.json's schema: ``event_type``
    assert len(parse_ticker_changes([page], "META", AT)) == 1


def test_a_chain_of_renames_in_any_order() -> None:
    events = [
        {"date": "2020-01-02", "ticker_change": {"ticker": "B"}, "type": "ticker_change"},
        {"date": "2010-01-04", "ticker_change": {"ticker": "A"}, "type": "ticker_change"},
        {"date": "2023-05-01", "ticker_change": {"ticker": "C"}, "type": "ticker_change"},
    ]
    changes = parse_ticker_changes([{"results": {"events": events}}], "C", AT)
    assert [(c.old_ticker, c.new_ticker, c.effective) for c in changes] == [
        ("A", "B", date(2020, 1, 2)),
        ("B", "C", date(2023, 5, 1)),
    ]


def test_events_after_the_ticker_are_another_companys() -> None:
    page = copy.deepcopy(META_EVENTS)
    page["results"]["events"].append(
        {"date": "2024-01-02", "ticker_change": {"ticker": "XYZ"}, "type": "ticker_change"}
    )
    assert [c.new_ticker for c in parse_ticker_changes([page], "META", AT)] == ["META"]
    assert parse_ticker_changes([page], "GOOG", AT) == []  # never named: nothing kept


def test_a_ticker_without_events_has_no_renames() -> None:
    assert parse_ticker_changes([{"results": {"name": "X", "events": None}}], "X", AT) == []


def test_the_documented_overview_gives_the_listing() -> None:
    listing = parse_listing(AAPL_OVERVIEW, "AAPL", AT)
    assert (listing.listed, listing.delisted, listing.active) == (date(1980, 12, 12), None, True)
    assert listing_currency(AAPL_OVERVIEW) == "USD"


@pytest.mark.parametrize(
    ("delisted_utc", "first_day_without_trading"),
    [
        ("2022-10-27T00:00:00Z", date(2022, 10, 28)),
        ("2022-10-27T04:00:00Z", date(2022, 10, 28)),
        ("2022-10-27", date(2022, 10, 28)),
    ],
)
def test_delisted_is_the_day_after_the_last_one_traded(
    delisted_utc: str, first_day_without_trading: date
) -> None:
    page = copy.deepcopy(AAPL_OVERVIEW)
    page["results"] |= {"active": False, "delisted_utc": delisted_utc}
    listing = parse_listing(page, "AAPL", AT)
    assert listing.delisted == first_day_without_trading and listing.active is False


def test_an_overview_of_another_ticker_is_refused() -> None:
    with pytest.raises(MalformedData, match="asked for MSFT describes 'AAPL'"):
        parse_listing(AAPL_OVERVIEW, "MSFT", AT)


def test_the_splits_with_their_types_and_factors_oldest_first() -> None:
    splits = parse_splits([AAPL_SPLITS], "AAPL", AT)
    assert [(s.execution_date, s.ratio, s.historical_adjustment_factor) for s in splits] == [
        (date(2005, 2, 28), 2.0, 0.017857142857142856),
        (date(2020, 8, 31), 4.0, 0.25),
    ]
    assert {s.adjustment_type for s in splits} == {AdjustmentType.FORWARD_SPLIT}


def test_a_split_on_two_pages_counts_once_and_other_tickers_are_left_out() -> None:
    other = copy.deepcopy(AAPL_SPLITS)
    other["results"][0] |= {"ticker": "AAPL.WI", "id": "Eother"}
    splits = parse_splits([AAPL_SPLITS, AAPL_SPLITS, other], "AAPL", AT)
    assert [s.execution_date for s in splits] == [date(2005, 2, 28), date(2020, 8, 31)]


@pytest.mark.parametrize(
    ("split_from", "split_to", "kind"),
    [(1, 4, AdjustmentType.FORWARD_SPLIT), (8, 1, AdjustmentType.REVERSE_SPLIT)],
)
def test_a_missing_adjustment_type_is_what_the_ratio_says(
    split_from: int, split_to: int, kind: AdjustmentType
) -> None:
    item = {"execution_date": "2021-08-02", "split_from": split_from, "split_to": split_to,
            "ticker": "GE"}  # fmt: skip
    (split,) = parse_splits([{"results": [item]}], "GE", AT)
    assert split.adjustment_type is kind and split.historical_adjustment_factor is None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"adjustment_type": "spin_off"}, "spin_off"),
        ({"split_to": True}, "split_to"),
        ({"split_from": 0}, "split_from"),
        ({"execution_date": None}, "execution_date"),
        ({"execution_date": "31/08/2020"}, "31/08/2020"),
        ({"historical_adjustment_factor": -1}, "historical_adjustment_factor"),
    ],
)
def test_a_malformed_split_is_refused_naming_what(change: dict[str, Any], named: str) -> None:
    page = copy.deepcopy(AAPL_SPLITS)
    page["results"][0] |= change
    with pytest.raises(MalformedData, match=f"a split of AAPL .*{named}"):
        parse_splits([page], "AAPL", AT)


def test_an_empty_answer_has_no_actions() -> None:
    empty: list[dict[str, Any]] = [{"status": "OK"}, {"results": None}, {"results": []}]
    for page in empty:
        assert parse_splits([page], "AAPL", AT) == []
        assert parse_dividends([page], "AAPL", AT, "USD") == []


def test_the_dividends_with_their_dates() -> None:
    (dividend,) = parse_dividends([AAPL_DIVIDENDS], "AAPL", AT, "USD")
    assert (dividend.ex_dividend_date, dividend.cash_amount, dividend.currency) == (
        date(2021, 11, 5),
        0.22,
        "USD",
    )
    assert (dividend.declaration_date, dividend.record_date, dividend.pay_date) == (
        date(2021, 10, 28),
        date(2021, 11, 8),
        date(2021, 11, 11),
    )
    assert (dividend.distribution_type, dividend.frequency) == ("recurring", "4")
    assert dividend.historical_adjustment_factor == 0.998533


def test_a_dividend_names_its_currency_or_takes_the_listings() -> None:
    page = copy.deepcopy(AAPL_DIVIDENDS)
    page["results"][0]["currency"] = "cad"
    assert parse_dividends([page], "AAPL", AT, "USD")[0].currency == "CAD"
    assert parse_dividends([AAPL_DIVIDENDS], "AAPL", AT, "USD")[0].currency == "USD"
    with pytest.raises(MalformedData, match="no currency"):
        parse_dividends([AAPL_DIVIDENDS], "AAPL", AT, None)


def test_two_dividends_on_one_ex_date_are_two() -> None:
    page = copy.deepcopy(AAPL_DIVIDENDS)
    special = {**page["results"][0], "id": "Especial", "cash_amount": 1.0,
               "distribution_type": "special", "frequency": 0}  # fmt: skip
    page["results"].append(special)
    dividends = parse_dividends([page, page], "AAPL", AT, "USD")
    assert sorted((d.cash_amount, d.frequency) for d in dividends) == [(0.22, "4"), (1.0, "0")]


def test_a_results_field_that_is_no_list_is_malformed() -> None:
    with pytest.raises(MalformedData, match="'results' is not a list"):
        parse_splits([{"results": {"ticker": "AAPL"}}], "AAPL", AT)
