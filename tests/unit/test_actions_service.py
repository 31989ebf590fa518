"""ActionsService over the memory store and a hand-written vendor fake: what a day is,
and what a sync reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryActionStore, MemoryRegistry
from chronox_domain.actions import AdjustmentType, CorporateActions, StockSplit
from chronox_domain.errors import (
    ActionsNotSynced,
    InvalidInput,
    NotFound,
    SourceUnavailable,
)
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.actions import ActionsService
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

#: 21:00 New York on 2024-06-10 is 01:00 UTC on 2024-06-11.
EVENING = datetime(2024, 6, 11, 1, 0, tzinfo=UTC)


class Vendor:
    """Answers each symbol with one split fetched at the clock's moment; ``unknown``
    tickers are NotFound, ``failing`` ones SourceUnavailable."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.asked: list[str] = []
        self.unknown: set[str] = set()
        self.failing: set[str] = set()

    def actions(self, symbol: str) -> CorporateActions:
        self.asked.append(symbol)
        if symbol in self.unknown:
            raise NotFound(f"the vendor does not know ticker {symbol}")
        if symbol in self.failing:
            raise SourceUnavailable("the vendor answered 502")
        now = self.clock.now()
        split = StockSplit(symbol, date(2020, 8, 31), 1, 4, AdjustmentType.FORWARD_SPLIT, 0.25, now)
        return CorporateActions(symbol, splits=(split,), fetched_at=now)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EVENING)


@pytest.fixture
def vendor(clock: FixedClock) -> Vendor:
    return Vendor(clock)


def service(vendor: Vendor | None, clock: FixedClock, **keywords: object) -> ActionsService:
    return ActionsService(vendor, MemoryActionStore(), clock, **keywords)  # type: ignore[arg-type]


def test_a_day_is_new_yorks_the_morning_after_an_evening_sync_fetches_again(
    clock: FixedClock, vendor: Vendor
) -> None:
    actions = service(vendor, clock)
    assert actions.sync(["AAPL"]).fetched == ("AAPL",)
    clock.advance(timedelta(hours=2))  # 23:00 New York, still 2024-06-10 there
    assert actions.sync(["AAPL"]).fresh == ("AAPL",)
    clock.advance(timedelta(hours=9))  # 08:00 New York on 2024-06-11: the same UTC date
    assert actions.sync(["AAPL"]).fetched == ("AAPL",)
    assert vendor.asked == ["AAPL", "AAPL"]
    assert actions.actions("AAPL").fetched_at == clock.now()


def test_force_fetches_a_fresh_symbol_again(clock: FixedClock, vendor: Vendor) -> None:
    actions = service(vendor, clock)
    actions.sync(["AAPL"])
    assert actions.sync(["aapl"], force=True).fetched == ("AAPL",)
    assert vendor.asked == ["AAPL", "AAPL"]


def test_unknown_tickers_are_reported_and_the_others_synced(
    clock: FixedClock, vendor: Vendor
) -> None:
    vendor.unknown = {"ZZZZ"}
    report = service(vendor, clock).sync(["AAPL", "ZZZZ", "GE"])
    assert (report.fetched, report.unknown) == (("AAPL", "GE"), ("ZZZZ",))
    problem = report.problem()
    assert isinstance(problem, NotFound) and str(problem) == "the vendor does not know ZZZZ"


def test_after_three_failures_in_a_row_the_rest_is_not_tried(
    clock: FixedClock, vendor: Vendor
) -> None:
    vendor.failing = {"A", "B", "D", "E", "F"}
    report = service(vendor, clock).sync(["A", "B", "C", "D", "E", "F", "G"])
    # C succeeded between: the vendor is up, the count starts again.
    assert [f.symbol for f in report.failed] == ["A", "B", "D", "E", "F"]
    assert report.fetched == ("C",) and report.skipped == ("G",)
    assert vendor.asked == ["A", "B", "C", "D", "E", "F"]
    assert isinstance(report.problem(), SourceUnavailable)


def test_no_source_stores_nothing(clock: FixedClock) -> None:
    actions = service(None, clock)
    report = actions.sync(["AAPL"])
    assert not report.has_source and report.problem() is None
    with pytest.raises(ActionsNotSynced, match=r"^the corporate actions of AAPL were never"):
        actions.actions("AAPL")


def test_no_symbol_is_every_active_registry_symbol(clock: FixedClock, vendor: Vendor) -> None:
    registry = MemoryRegistry()
    for symbol, active in (("SNOW", True), ("GE", False), ("AAPL", True)):
        registry.put(SymbolEntry(symbol, (Timeframe.M1,), SessionKind.RTH, active))
    assert service(vendor, clock, registry=registry).sync().fetched == ("AAPL", "SNOW")


def test_too_many_named_symbols_are_refused_before_any_request(
    clock: FixedClock, vendor: Vendor
) -> None:
    with pytest.raises(InvalidInput, match=r"^3 symbols in one sync; at most 2 at once$"):
        service(vendor, clock).sync(["A", "B", "C"], most=2)
    assert vendor.asked == []
