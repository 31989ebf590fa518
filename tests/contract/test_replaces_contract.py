"""``BarBatch.replaces``, for every store adapter: a stored bar inside a window the
batch replaces, which the batch does not carry, is deleted in the batch's transaction
(a republished day file that dropped a minute leaves a hole, not the old bar); bars
outside the windows, other series and other timeframes are left alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chronox_domain import BarBatch, Interval, Timeframe
from chronox_domain.errors import StorageUnavailable
from tests.contract.conftest import StoreUnderTest
from tests.contract.test_write_many_contract import (
    MINUTE,
    T0,
    WHOLE_DAY,
    bars,
    day,
    renamed,
    snapshot,
    span,
)

SESSION = Interval(T0, T0 + 390 * MINUTE)


def starts(store: StoreUnderTest, symbol: str, timeframe: Timeframe = Timeframe.M1) -> list[int]:
    """The stored bars of ``symbol`` as minutes after ``T0`` (slots for wider ones)."""
    step = timeframe.step
    return [(b.start - T0) // step for b in store.repository.bars(symbol, timeframe, WHOLE_DAY)]


def republished(symbol: str, slots: range, dropped: set[int], etag: str = '"e2"') -> BarBatch:
    """A republished file's batch for ``symbol``: bars at ``slots`` but ``dropped``,
    vouching for and replacing the session."""
    kept = [b for b in bars(symbol, Timeframe.M1, slots) if (b.start - T0) // MINUTE not in dropped]
    vouched = (span(Timeframe.M1, 0, 390, etag=etag),)
    return BarBatch(symbol, Timeframe.M1, kept, "flatfiles", None, vouched, (SESSION,))


def test_a_replaced_window_keeps_only_the_bars_the_batch_carries(store: StoreUnderTest) -> None:
    before = bars("SPY", Timeframe.M1, range(-10, 400))
    store.repository.write(BarBatch("SPY", Timeframe.M1, before, "flatfiles", None))
    store.repository.write(day("QQQ"))
    again = republished("SPY", range(0, 390), dropped={5, 6, 200})
    assert store.repository.write(again) == len(again.bars)
    held = starts(store, "SPY")
    assert 5 not in held and 6 not in held and 200 not in held
    assert held == sorted([*range(-10, 0), *((b.start - T0) // MINUTE for b in again.bars),
                           *range(390, 400)])  # fmt: skip
    assert starts(store, "QQQ") == [(b.start - T0) // MINUTE for b in day("QQQ").bars]


def test_a_batch_without_bars_empties_the_window(store: StoreUnderTest) -> None:
    store.repository.write_many([day("SPY"), day("SPY", Timeframe.M5, range(0, 78))])
    gone = BarBatch("SPY", Timeframe.M1, (), "flatfiles", None, day("SPY").coverage, (SESSION,))
    assert store.repository.write_many([gone]) == 0
    assert starts(store, "SPY") == []
    assert starts(store, "SPY", Timeframe.M5) != []  # another timeframe: another series


def test_write_many_replaces_as_sequential_writes_do(store: StoreUnderTest) -> None:
    before = [day("SPY"), day("QQQ"), day("KIMpL", Timeframe.M5, range(0, 78))]
    write = [
        day("SPY", slots=range(380, 400)),  # the next batch replaces it inside the session
        republished("SPY", range(0, 390), dropped={10, 11, 12, 385}),
        day("SPY", slots=range(11, 12)),  # a later batch: its bar stays
        republished("QQQ", range(0, 0), dropped=set()),  # the ticker left the file
        replace(day("KIMpL", Timeframe.M5, range(0, 10)), replaces=(SESSION,)),
    ]
    for prefix in ("A", "B"):
        store.repository.write_many([renamed(batch, prefix) for batch in before])
    store.repository.write_many([renamed(batch, "A") for batch in write])
    for batch in write:
        store.repository.write(renamed(batch, "B"))
    symbols = ("SPY", "QQQ", "KIMpL")
    bulk, sequential = snapshot(store, symbols, "A"), snapshot(store, symbols, "B")
    assert bulk == sequential
    spy = starts(store, "ASPY")
    assert 10 not in spy and 12 not in spy and 11 in spy
    assert 385 not in spy and 399 in spy  # an earlier batch's bar is replaced; outside, kept
    assert starts(store, "AQQQ") == []
    kim = day("KIMpL", Timeframe.M5, range(0, 10)).bars
    assert starts(store, "AKIMpL", Timeframe.M5) == [(b.start - T0) // (5 * MINUTE) for b in kim]


def test_a_refused_write_replaces_nothing(store: StoreUnderTest) -> None:
    store.repository.write_many([day("SPY"), day("QQQ")])
    held = snapshot(store, ("SPY", "QQQ"))
    gone = republished("SPY", range(0, 0), dropped=set())
    both = day("IWM")
    refused = replace(both, coverage=(*both.coverage, replace(both.coverage[0], etag='"e9"')))
    with pytest.raises(StorageUnavailable):
        store.repository.write_many([gone, refused])
    assert snapshot(store, ("SPY", "QQQ")) == held


def test_replacing_twice_changes_nothing(store: StoreUnderTest) -> None:
    store.repository.write(day("SPY"))
    again = republished("SPY", range(0, 390), dropped={100})
    store.repository.write(again)
    once, counts = snapshot(store, ("SPY",)), store.repository.counts()
    store.repository.write(again)
    assert snapshot(store, ("SPY",)) == once
    assert store.repository.counts() == counts
