"""``MarketDataRepository.write_many``, for every store adapter: the batches of many
series in one transaction and one bulk statement, stored exactly as sequential
``write`` calls would store them; all of them, or (a refused batch among them) none.

Equivalence is checked inside one store: the same batches go in once through
``write_many`` under one set of symbols and once through ``write`` under another, on
top of the same stored bars and ledgers, and the two sets must read back alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_domain.errors import StorageUnavailable
from tests.contract.conftest import StoreUnderTest

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
WHOLE_DAY = Interval(T0 - timedelta(hours=6), T0 + timedelta(hours=10))
SYMBOLS = ("SPY", "QQQ", "BRK.A", "KIMpL")


def bars(symbol: str, timeframe: Timeframe, slots: range, close: float = 100.5) -> list[Bar]:
    step = timedelta(seconds=timeframe.seconds)
    return [
        Bar(symbol, timeframe, T0 + i * step, 100.0, 102.0, 99.0, close, 1000.0 + i, 100.2, 12)
        for i in slots
    ]


def span(
    timeframe: Timeframe,
    first: int,
    end: int,
    source: str = "flatfiles",
    etag: str | None = '"e1"',
    status: CoverageStatus = CoverageStatus.FINAL,
) -> CoverageSpan:
    step = timedelta(seconds=timeframe.seconds)
    interval = Interval(T0 + first * step, T0 + end * step)
    return CoverageSpan(interval, status, source, etag=etag)


def day(
    symbol: str,
    timeframe: Timeframe = Timeframe.M1,
    slots: range = range(0, 390),
    etag: str | None = '"e1"',
    close: float = 100.5,
    source: str = "flatfiles",
    provisional_from: datetime | None = None,
) -> BarBatch:
    """A batch of ``slots`` (a few missing: holes) vouched for by one day file."""
    held = [bar for bar in bars(symbol, timeframe, slots, close) if bar.start.minute % 7 != 3]
    coverage = (span(timeframe, slots.start, slots.stop, source, etag),)
    return BarBatch(symbol, timeframe, held, source, provisional_from, coverage)


def renamed(batch: BarBatch, prefix: str) -> BarBatch:
    symbol = prefix + batch.symbol
    return replace(batch, symbol=symbol, bars=[b._replace(symbol=symbol) for b in batch.bars])


Snapshot = dict[tuple[str, Timeframe], tuple[list[Bar], list[CoverageSpan]]]


def snapshot(store: StoreUnderTest, symbols: Sequence[str], prefix: str = "") -> Snapshot:
    """Every series' bars and ledger, keyed without ``prefix``."""
    repository = store.repository
    found: Snapshot = {}
    for symbol in symbols:
        for timeframe in (Timeframe.M1, Timeframe.M5):
            held = list(repository.bars(prefix + symbol, timeframe, WHOLE_DAY))
            found[(symbol, timeframe)] = (
                [b._replace(symbol=symbol) for b in held],
                repository.coverage(prefix + symbol, timeframe),
            )
    return found


def mixed_write() -> tuple[list[BarBatch], list[BarBatch]]:
    """Stored first, then written: fresh series, a stored series re-written by a
    republished file, one series twice in the write (a later batch's bars win, a
    provisional bar never beats a final one), and two timeframes."""
    before = [day("SPY", slots=range(0, 200)), day("QQQ", Timeframe.M5, range(0, 40))]
    write = [
        day("SPY", slots=range(100, 390), etag='"e2"', close=101.5),
        day("QQQ", Timeframe.M5, range(0, 78), etag='"e2"'),
        day("BRK.A"),
        day("KIMpL", slots=range(0, 120), close=99.5),
        day("KIMpL", slots=range(60, 200), close=100.25, etag='"e2"'),
        day("KIMpL", slots=range(150, 250), close=100.75, provisional_from=T0, etag=None),
        BarBatch("BRK.A", Timeframe.M5, [], "flatfiles", None, (span(Timeframe.M5, 0, 78),)),
    ]
    return before, write


def test_write_many_stores_what_sequential_writes_store(store: StoreUnderTest) -> None:
    before, write = mixed_write()
    for prefix in ("A", "B"):
        store.repository.write_many([renamed(batch, prefix) for batch in before])

    written = store.repository.write_many([renamed(batch, "A") for batch in write])
    for batch in write:
        store.repository.write(renamed(batch, "B"))

    assert written == sum(len(batch.bars) for batch in write)
    bulk, sequential = snapshot(store, SYMBOLS, "A"), snapshot(store, SYMBOLS, "B")
    assert bulk == sequential
    spy_bars, spy_ledger = bulk[("SPY", Timeframe.M1)]
    assert {b.close for b in spy_bars if b.start >= T0 + 100 * MINUTE} == {101.5}
    assert [(s.interval, s.etag) for s in spy_ledger] == [
        (Interval(T0, T0 + 100 * MINUTE), '"e1"'),
        (Interval(T0 + 100 * MINUTE, T0 + 390 * MINUTE), '"e2"'),
    ]
    kim_bars, _ = bulk[("KIMpL", Timeframe.M1)]
    closes = {b.start: b.close for b in kim_bars}
    assert closes[T0 + 62 * MINUTE] == 100.25  # the later batch's
    assert closes[T0 + 162 * MINUTE] == 100.25  # final: the provisional one lost
    assert closes[T0 + 222 * MINUTE] == 100.75


def test_a_refused_batch_stores_nothing_of_any_batch(store: StoreUnderTest) -> None:
    before, write = mixed_write()
    store.repository.write_many(before)
    held, counts = snapshot(store, SYMBOLS), store.repository.counts()
    # Two day files vouching for one span of one series: the ledger's key (symbol,
    # timeframe, start, status, source) refuses the second, after the bars of every
    # batch and the ledgers of the batches before it went in.
    both = day("IWM")
    refused = replace(both, coverage=(*both.coverage, replace(both.coverage[0], etag='"e9"')))
    with pytest.raises(StorageUnavailable):
        store.repository.write_many([*write[:3], refused, *write[3:]])
    assert snapshot(store, SYMBOLS) == held
    assert list(store.repository.bars("IWM", Timeframe.M1, WHOLE_DAY)) == []
    assert store.repository.counts() == counts
    # The store is usable afterwards, and the same write without the refused batch goes in.
    store.repository.write_many(write)
    assert store.repository.counts()["bars"] > counts["bars"]


def test_writing_the_same_batches_twice_changes_nothing(store: StoreUnderTest) -> None:
    _, write = mixed_write()
    store.repository.write_many(write)
    once, counts = snapshot(store, SYMBOLS), store.repository.counts()
    assert store.repository.write_many(write) == sum(len(batch.bars) for batch in write)
    assert snapshot(store, SYMBOLS) == once
    assert store.repository.counts() == counts


def test_no_batches_write_nothing(store: StoreUnderTest) -> None:
    counts = store.repository.counts()
    assert store.repository.write_many([]) == 0
    assert store.repository.counts() == counts


def test_a_republished_file_replaces_the_old_files_spans_where_they_overlap(
    store: StoreUnderTest,
) -> None:
    store.repository.write_many([day(symbol) for symbol in SYMBOLS])
    store.repository.write_many(
        [day(symbol, slots=range(0, 390), etag='"e2"') for symbol in SYMBOLS[:2]]
    )
    for symbol in SYMBOLS:
        ledger = store.repository.coverage(symbol, Timeframe.M1)
        etag = '"e2"' if symbol in SYMBOLS[:2] else '"e1"'
        assert [(s.interval, s.status, s.source, s.etag) for s in ledger] == [
            (Interval(T0, T0 + 390 * MINUTE), CoverageStatus.FINAL, "flatfiles", etag)
        ]


def test_many_symbols_in_one_write(store: StoreUnderTest) -> None:
    symbols = [f"S{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(300)]
    stored = [day(symbol, slots=range(0, 30)) for symbol in symbols[::3]]
    store.repository.write_many(stored)
    write = [day(symbol, slots=range(0, 60), etag='"e2"') for symbol in symbols]
    assert store.repository.write_many(write) == sum(len(batch.bars) for batch in write)
    for symbol in symbols[::37]:
        held = list(store.repository.bars(symbol, Timeframe.M1, WHOLE_DAY))
        assert held == day(symbol, slots=range(0, 60)).bars
        assert [(s.interval, s.etag) for s in store.repository.coverage(symbol, Timeframe.M1)] == [
            (Interval(T0, T0 + 60 * MINUTE), '"e2"')
        ]
