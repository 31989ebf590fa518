"""``MarketDataRepository.write_columns``, for every store adapter: bars as columns
stored exactly as ``write_many`` stores the same bars as ``BarBatch``\\ es (final, same
source and ``replaces``), whichever way the store takes them (a bulk load for series
whose windows are empty, the merge for the others).

As in the ``write_many`` contract, equivalence is checked inside one store: the same
write goes in once through ``write_columns`` under one set of symbols and once through
``write_many`` under another, on top of the same stored bars and ledgers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chronox_domain import Bar, BarBatch, Interval, Timeframe
from chronox_domain.batch import ColumnBatch
from chronox_domain.columns import BarColumns
from tests.contract.conftest import StoreUnderTest
from tests.contract.test_write_many_contract import (
    MINUTE,
    SYMBOLS,
    T0,
    WHOLE_DAY,
    bars,
    day,
    renamed,
    snapshot,
)

SESSION = Interval(T0, T0 + 390 * MINUTE)


def columns(batch: BarBatch) -> ColumnBatch:
    """``batch``'s bars as columns, replacing what it replaces (or its ledger's spans)."""
    held = BarColumns.from_bars(batch.symbol, batch.timeframe, batch.bars)
    windows = batch.replaces or [span.interval for span in batch.coverage]
    return ColumnBatch(held, batch.source, tuple(windows))


def as_bars(batch: ColumnBatch) -> BarBatch:
    return BarBatch(
        batch.symbol, batch.timeframe, batch.columns.to_bars(), batch.source, None,
        replaces=batch.replaces,
    )  # fmt: skip


def odd_values(symbol: str) -> list[Bar]:
    """Bars whose values a bulk encoding could get wrong: no VWAP, trades known for some
    bars only, prices with many digits, a zero volume."""
    third = 0.1 + 0.2  # 0.30000000000000004
    return [
        Bar(symbol, Timeframe.M1, T0 + i * MINUTE, third, 1 / 3 + 1, third, 1.0, float(i), None,
            None if i % 3 == 0 else i)
        for i in range(0, 50)
    ]  # fmt: skip


def mixed() -> tuple[list[BarBatch], list[ColumnBatch]]:
    """Stored first, then written: fresh series of several symbol lengths, a series with
    stored bars in its window (a republished day: what it no longer holds goes), one
    series twice in the write, bars with odd values, and two timeframes."""
    before = [
        day("SPY", slots=range(0, 200)),
        BarBatch("QQQ", Timeframe.M1, bars("QQQ", Timeframe.M1, range(-5, 400)), "polygon", None),
    ]
    republished = [b for b in bars("QQQ", Timeframe.M1, range(0, 390)) if b.start.minute != 7]
    write = [
        columns(day("SPY", slots=range(0, 390), etag='"e2"', close=101.5)),
        ColumnBatch(
            BarColumns.from_bars("QQQ", Timeframe.M1, republished), "flatfiles", (SESSION,)
        ),
        columns(day("BRK.A")),
        columns(day("KIMpL", slots=range(0, 120), close=99.5)),
        columns(day("KIMpL", slots=range(60, 200), close=100.25, etag='"e2"')),
        columns(day("BRK.A", Timeframe.M5, range(0, 78))),
        ColumnBatch(BarColumns.from_bars("A", Timeframe.M1, odd_values("A")), "flatfiles"),
    ]
    return before, write


def renamed_columns(batch: ColumnBatch, prefix: str) -> ColumnBatch:
    held = replace(batch.columns, symbol=prefix + batch.symbol)
    return replace(batch, columns=held)


def test_write_columns_stores_what_write_many_stores(store: StoreUnderTest) -> None:
    before, write = mixed()
    for prefix in ("A", "B"):
        store.repository.write_many([renamed(batch, prefix) for batch in before])

    written = store.repository.write_columns([renamed_columns(b, "A") for b in write])
    store.repository.write_many([as_bars(renamed_columns(b, "B")) for b in write])

    assert written == sum(len(batch.columns) for batch in write)
    symbols = (*SYMBOLS, "A")
    bulk, merged = snapshot(store, symbols, "A"), snapshot(store, symbols, "B")
    assert bulk == merged
    qqq, _ = bulk[("QQQ", Timeframe.M1)]
    starts = {bar.start for bar in qqq}
    assert T0 - MINUTE in starts and T0 + 395 * MINUTE in starts  # outside the window: kept
    assert not any(s.minute == 7 and SESSION.contains(s) for s in starts)  # dropped: gone
    odd, _ = bulk[("A", Timeframe.M1)]
    assert odd == odd_values("A")
    kim, _ = bulk[("KIMpL", Timeframe.M1)]
    assert {bar.close for bar in kim if bar.start >= T0 + 60 * MINUTE} == {100.25}


def test_a_series_whose_window_is_empty_is_loaded_as_given(store: StoreUnderTest) -> None:
    symbols = [f"S{i}" for i in range(40)] + ["BRK.A", "KIMpL", "Z"]
    write = [columns(day(symbol, slots=range(0, 30 + i))) for i, symbol in enumerate(symbols)]
    assert store.repository.write_columns(write) == sum(len(b.columns) for b in write)
    for batch in write:
        held = list(store.repository.bars(batch.symbol, Timeframe.M1, WHOLE_DAY))
        assert held == batch.columns.to_bars()
        assert store.repository.coverage(batch.symbol, Timeframe.M1) == []  # no ledger


def test_two_bars_of_one_slot_in_a_series_store_one(store: StoreUnderTest) -> None:
    """The bulk load refuses them (the table's key): the merge takes the series, and
    stores one bar a slot, as ``write_many`` does (which of the two, it does not say)."""
    first = bars("SPY", Timeframe.M1, range(0, 10))
    again = first[4]._replace(close=100.75)
    held = BarColumns.from_bars("SPY", Timeframe.M1, [*first[:5], again, *first[5:]])
    fresh = columns(day("QQQ"))
    store.repository.write_columns([ColumnBatch(held, "flatfiles"), fresh])
    stored = list(store.repository.bars("SPY", Timeframe.M1, WHOLE_DAY))
    assert [bar.start for bar in stored] == [bar.start for bar in first]
    assert stored[4] in (first[4], again) and stored[:4] + stored[5:] == first[:4] + first[5:]
    assert list(store.repository.bars("QQQ", Timeframe.M1, WHOLE_DAY)) == fresh.columns.to_bars()


def test_writing_the_same_columns_twice_changes_nothing(store: StoreUnderTest) -> None:
    _, write = mixed()
    store.repository.write_columns(write)
    once, counts = snapshot(store, (*SYMBOLS, "A")), store.repository.counts()
    assert store.repository.write_columns(write) == sum(len(b.columns) for b in write)
    assert snapshot(store, (*SYMBOLS, "A")) == once
    assert store.repository.counts() == counts


def test_no_batches_write_nothing(store: StoreUnderTest) -> None:
    counts = store.repository.counts()
    assert store.repository.write_columns([]) == 0
    empty = ColumnBatch(BarColumns.empty("SPY", Timeframe.M1), "flatfiles")
    assert store.repository.write_columns([empty]) == 0
    assert store.repository.counts() == counts


def test_an_empty_batch_that_replaces_a_window_empties_it(store: StoreUnderTest) -> None:
    store.repository.write_many([day("SPY")])
    window = Interval(T0 + 10 * MINUTE, T0 + 20 * MINUTE)
    gone = ColumnBatch(BarColumns.empty("SPY", Timeframe.M1), "flatfiles", (window,))
    store.repository.write_columns([gone])
    held = [b.start for b in store.repository.bars("SPY", Timeframe.M1, WHOLE_DAY)]
    assert held and not any(window.contains(start) for start in held)
    assert T0 + timedelta(minutes=21) in held
