"""Renames in every store: the ledger keeps the vendor ticker that answered each span
(None: the symbol itself, as every span written before), merged per ticker like per
source; the registry keeps whether an entry follows its company's renames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronox_domain import BarBatch, CoverageSpan, CoverageStatus, Interval, SymbolEntry, Timeframe
from tests.contract.conftest import StoreUnderTest

#: The first minute META traded under its own ticker (midnight New York, 2022-06-09).
CHANGE = datetime(2022, 6, 9, 4, tzinfo=UTC)
DAY = timedelta(days=1)


def span(start: datetime, end: datetime, ticker: str | None) -> CoverageSpan:
    return CoverageSpan(Interval(start, end), CoverageStatus.FINAL, "polygon", ticker=ticker)


def record(store: StoreUnderTest, *spans: CoverageSpan) -> None:
    store.repository.write(BarBatch("META", Timeframe.M1, [], "polygon", None, spans))


def test_the_ledger_keeps_the_ticker_that_answered_each_span(store: StoreUnderTest) -> None:
    record(store, span(CHANGE - 2 * DAY, CHANGE, "FB"), span(CHANGE, CHANGE + DAY, None))
    record(store, span(CHANGE - 3 * DAY, CHANGE - 2 * DAY, "FB"))
    assert store.repository.coverage("META", Timeframe.M1) == [
        span(CHANGE - 3 * DAY, CHANGE, "FB"),  # merged with the FB span it touches
        span(CHANGE, CHANGE + DAY, None),  # touching, but another ticker: kept apart
    ]


def test_the_registry_keeps_the_literal_choice(store: StoreUnderTest) -> None:
    store.registry.put(SymbolEntry("META", (Timeframe.D1,), follow_renames=False))
    store.registry.put(SymbolEntry("AAPL"))
    assert store.registry.get("META") == SymbolEntry("META", (Timeframe.D1,), follow_renames=False)
    assert [entry.follow_renames for entry in store.registry.entries()] == [True, False]
    store.registry.put(SymbolEntry("META", (Timeframe.D1,)))
    found = store.registry.get("META")
    assert found is not None and found.follow_renames is True
