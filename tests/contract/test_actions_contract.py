"""The CorporateActionStore contract, for every store adapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    ListingPeriod,
    StockSplit,
    TickerChange,
)
from chronox_domain.errors import InvalidInput
from tests.contract.conftest import StoreUnderTest

FETCHED = datetime(2026, 3, 2, 14, 30, 15, 123456, tzinfo=UTC)


def meta(fetched: datetime = FETCHED) -> CorporateActions:
    """Every kind of action, every optional field both given and missing."""
    return CorporateActions(
        "META",
        splits=(
            StockSplit("META", date(2021, 1, 4), 1, 2, AdjustmentType.FORWARD_SPLIT, 0.5, fetched),
            StockSplit(
                "META", date(2023, 5, 1), 10, 1, AdjustmentType.REVERSE_SPLIT, None, fetched
            ),
            StockSplit(
                "META", date(2023, 5, 1), 1, 1.05, AdjustmentType.STOCK_DIVIDEND, 0.952381, fetched
            ),
        ),
        dividends=(
            CashDividend(
                "META",
                date(2024, 2, 21),
                0.5,
                "USD",
                fetched,
                record_date=date(2024, 2, 22),
                pay_date=date(2024, 3, 26),
                declaration_date=date(2024, 2, 1),
                distribution_type="recurring",
                frequency="4",
                historical_adjustment_factor=0.99870,
            ),
            CashDividend("META", date(2024, 6, 14), 0.505, "USD", fetched),
        ),
        ticker_changes=(TickerChange("META", "FB", "META", date(2022, 6, 9), fetched),),
        listing=ListingPeriod("META", date(2012, 5, 18), None, True, fetched),
        fetched_at=fetched,
    )


def test_a_symbol_never_put_has_unknown_actions(store: StoreUnderTest) -> None:
    assert store.actions.actions("META") == CorporateActions.unknown("META")
    assert store.actions.actions_fetched_at("META") is None


def test_a_bundle_reads_back_equal_with_its_fetch_time(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    read = store.actions.actions("META")
    assert read == meta()
    # Same-date splits keep their order; instants come back as UTC to the microsecond.
    assert [s.adjustment_type for s in read.splits][1:] == [
        AdjustmentType.REVERSE_SPLIT,
        AdjustmentType.STOCK_DIVIDEND,
    ]
    assert read.fetched_at is not None and read.fetched_at.utcoffset() == timedelta(0)
    assert store.actions.actions_fetched_at("META") == FETCHED


def test_a_put_replaces_everything_of_that_symbol_only(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    other = CorporateActions(
        "AAPL",
        splits=(
            StockSplit(
                "AAPL", date(2020, 8, 31), 1, 4, AdjustmentType.FORWARD_SPLIT, None, FETCHED
            ),
        ),
        fetched_at=FETCHED,
    )
    store.actions.put_actions(other)
    later = FETCHED + timedelta(days=1)
    fewer = CorporateActions(
        "META",
        splits=(replace(meta().splits[0], fetched_at=later),),
        listing=ListingPeriod("META", date(2012, 5, 18), date(2030, 1, 2), False, later),
        fetched_at=later,
    )
    store.actions.put_actions(fewer)
    assert store.actions.actions("META") == fewer
    assert store.actions.actions_fetched_at("META") == later
    assert store.actions.actions("AAPL") == other


def test_putting_the_same_bundle_twice_changes_nothing(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    store.actions.put_actions(meta())
    assert store.actions.actions("META") == meta()


def test_a_fetch_without_actions_is_known_and_empty(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    none = CorporateActions("META", fetched_at=FETCHED + timedelta(hours=1))
    store.actions.put_actions(none)
    assert store.actions.actions("META") == none and store.actions.actions("META").is_known


def test_an_unfetched_bundle_is_refused_and_the_stored_one_kept(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    with pytest.raises(InvalidInput, match="fetched"):
        store.actions.put_actions(CorporateActions.unknown("META"))
    assert store.actions.actions("META") == meta()


def test_actions_for_many_symbols_answers_each(store: StoreUnderTest) -> None:
    store.actions.put_actions(meta())
    aapl = CorporateActions("AAPL", fetched_at=FETCHED)
    store.actions.put_actions(aapl)
    asked = ["META", "AAPL", *(f"S{i}" for i in range(1200))]
    found = store.actions.actions_for(asked)
    assert set(found) == set(asked)
    assert found["META"] == meta() and found["AAPL"] == aapl
    assert found["S999"] == CorporateActions.unknown("S999")
    assert store.actions.actions_for([]) == {}
