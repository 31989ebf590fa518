"""The live side of a price basis (chronox_domain/services/live_basis.py): which bus
events a subscriber still needs after its replay, and when the basis it was sent bars on
stopped being the one in effect."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from chronox_adapters.memory.actions import MemoryActionStore
from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    PriceBasis,
    StockSplit,
)
from chronox_domain.bar import Bar
from chronox_domain.errors import BasisChanged
from chronox_domain.events import BarEvent
from chronox_domain.ports import TradingCalendar
from chronox_domain.services.live_basis import BasisWatch, Replay, Splice, boundaries
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
FETCHED = datetime(2026, 3, 2, 12, tzinfo=UTC)
TODAY = date(2026, 3, 3)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


class Calendar:
    timezone = NEW_YORK


def minute(day: date, hour: int, minute: int = 0, close: float = 10.0) -> BarEvent:
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)
    bar = Bar("AAPL", Timeframe.M1, start.astimezone(UTC), 10, 11, 9, close, 100, None, None)
    return BarEvent(bar, False, "polygon")


def split(day: date) -> StockSplit:
    return StockSplit("AAPL", day, 1, 4, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


def dividend(day: date) -> CashDividend:
    return CashDividend("AAPL", day, 0.2, "USD", FETCHED)


def test_a_split_moves_the_splits_basis_a_dividend_only_all() -> None:
    actions = CorporateActions(
        "AAPL", (split(date(2020, 8, 31)),), (dividend(date(2024, 2, 9)),), fetched_at=FETCHED
    )
    assert boundaries(actions, PriceBasis.NONE) == frozenset()
    assert boundaries(actions, PriceBasis.SPLITS) == {date(2020, 8, 31)}
    assert boundaries(actions, PriceBasis.ALL) == {date(2020, 8, 31), date(2024, 2, 9)}


def test_the_splice_drops_what_the_replay_held_and_relays_the_rest() -> None:
    newest = minute(TODAY, 10, 0)
    splice = Splice(Replay([minute(TODAY, 9, 59), newest], {"AAPL": newest.bar}))
    assert not splice.fresh(minute(TODAY, 9, 59))  # older: the replay had it
    assert not splice.fresh(newest)  # that very bar again
    assert splice.fresh(minute(TODAY, 10, 0, close=10.5))  # a correction of it
    assert splice.fresh(minute(TODAY, 10, 1))  # live
    assert splice.fresh(minute(TODAY, 9, 59))  # live from here on: as the bus sends it
    assert Splice(Replay([], {})).fresh(minute(TODAY, 9, 0))  # nothing replayed


def watch(
    store: MemoryActionStore, clock: Clock, basis: PriceBasis = PriceBasis.SPLITS
) -> BasisWatch:
    found = BasisWatch(store, basis, cast(TradingCalendar, Calendar()), clock)
    found.load(["AAPL"])
    return found


def test_a_split_reached_while_subscribed_changes_the_basis() -> None:
    store, clock = MemoryActionStore(), Clock(datetime(2026, 3, 3, 20, tzinfo=UTC))
    tomorrow = TODAY + timedelta(days=1)
    store.put_actions(CorporateActions("AAPL", (split(tomorrow),), fetched_at=FETCHED))
    live = watch(store, clock)
    today_bar = minute(TODAY, 15, 59)
    assert not live.due(today_bar) and live.relayable(today_bar)
    first_of_tomorrow = minute(tomorrow, 4, 0)
    assert live.due(first_of_tomorrow)
    with pytest.raises(BasisChanged, match=str(tomorrow)):
        live.recheck(first_of_tomorrow)


def test_a_split_synced_while_subscribed_is_seen_within_a_minute() -> None:
    store, clock = MemoryActionStore(), Clock(datetime(2026, 3, 3, 15, tzinfo=UTC))
    live = watch(store, clock)
    store.put_actions(CorporateActions("AAPL", (split(TODAY),), fetched_at=FETCHED))
    event = minute(TODAY, 10, 30)
    assert not live.due(event)
    clock.moment += timedelta(minutes=1)
    assert live.due(event)
    with pytest.raises(BasisChanged):
        live.recheck(event)


def test_nothing_changes_on_none_and_a_correction_before_a_split_is_not_relayed() -> None:
    store, clock = MemoryActionStore(), Clock(datetime(2026, 3, 3, 20, tzinfo=UTC))
    store.put_actions(CorporateActions("AAPL", (split(TODAY),), fetched_at=FETCHED))
    as_traded = watch(store, clock, PriceBasis.NONE)
    yesterday = minute(TODAY - timedelta(days=1), 15, 59)
    clock.moment += timedelta(days=1)
    assert not as_traded.due(minute(TODAY + timedelta(days=1), 9, 30))
    assert as_traded.relayable(yesterday)
    clock.moment -= timedelta(days=1)
    split_basis = watch(store, clock)
    assert not split_basis.relayable(yesterday)  # traded on the old share basis
    assert split_basis.relayable(minute(TODAY, 4, 0))  # the split's own day: the new one
    split_basis.recheck(minute(TODAY, 9, 30))  # nothing new: no error
