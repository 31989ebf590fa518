"""The MarketDataRepository and SymbolRegistry contracts, for every store adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronox_domain import (
    Bar,
    BarBatch,
    CoverageSpan,
    CoverageStatus,
    Interval,
    SessionKind,
    SymbolEntry,
    Timeframe,
)
from tests.contract.conftest import StoreUnderTest

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def bar(i: int, close: float = 100.5, symbol: str = "SPY") -> Bar:
    return Bar(symbol, Timeframe.M1, T0 + i * MINUTE, 100.0, 101.0, 99.0, close, 1000.0, 100.2, 12)


def final(start: int, end: int, source: str = "synthetic") -> CoverageSpan:
    return CoverageSpan(
        Interval(T0 + start * MINUTE, T0 + end * MINUTE), CoverageStatus.FINAL, source
    )


def batch(
    bars: list[Bar],
    coverage: list[CoverageSpan],
    provisional_from: datetime | None = None,
    source: str = "synthetic",
) -> BarBatch:
    return BarBatch("SPY", Timeframe.M1, bars, source, provisional_from, tuple(coverage))


WHOLE_DAY = Interval(T0 - timedelta(hours=2), T0 + timedelta(hours=8))


def stored(store: StoreUnderTest) -> list[Bar]:
    return list(store.repository.bars("SPY", Timeframe.M1, WHOLE_DAY))


def test_written_bars_read_back_sorted_and_inside_the_window(store: StoreUnderTest) -> None:
    bars = [bar(i) for i in (5, 1, 3, 2)]
    assert store.repository.write(batch(bars, [final(0, 6)])) == 4
    assert stored(store) == sorted(bars, key=lambda b: b.start)
    window = Interval(T0 + 2 * MINUTE, T0 + 4 * MINUTE)
    assert [b.start for b in store.repository.bars("SPY", Timeframe.M1, window)] == [
        T0 + 2 * MINUTE,
        T0 + 3 * MINUTE,
    ]
    assert store.repository.bar_starts("SPY", Timeframe.M1, window) == [
        T0 + 2 * MINUTE,
        T0 + 3 * MINUTE,
    ]


def test_series_are_separate_by_symbol_and_timeframe(store: StoreUnderTest) -> None:
    store.repository.write(batch([bar(1)], [final(0, 2)]))
    assert list(store.repository.bars("QQQ", Timeframe.M1, WHOLE_DAY)) == []
    assert list(store.repository.bars("SPY", Timeframe.M5, WHOLE_DAY)) == []
    assert store.repository.coverage("SPY", Timeframe.M5) == []


def test_writing_the_same_batch_twice_changes_nothing(store: StoreUnderTest) -> None:
    once = batch([bar(i) for i in range(10)], [final(0, 10)])
    store.repository.write(once)
    bars_after_one, ledger_after_one = stored(store), store.repository.coverage("SPY", Timeframe.M1)
    store.repository.write(once)
    assert stored(store) == bars_after_one
    assert store.repository.coverage("SPY", Timeframe.M1) == ledger_after_one
    assert store.repository.counts()["bars"] == 10


def test_a_corrected_bar_replaces_a_provisional_one(store: StoreUnderTest) -> None:
    store.repository.write(batch([bar(1, close=100.5)], [], provisional_from=T0))
    store.repository.write(batch([bar(1, close=100.7)], [final(1, 2)]))
    assert [b.close for b in stored(store)] == [100.7]


def test_a_provisional_bar_never_replaces_a_final_one(store: StoreUnderTest) -> None:
    store.repository.write(batch([bar(1, close=100.5)], [final(1, 2)]))
    store.repository.write(batch([bar(1, close=100.9)], [], provisional_from=T0))
    assert [b.close for b in stored(store)] == [100.5]


def test_adjacent_coverage_merges_into_one_span(store: StoreUnderTest) -> None:
    store.repository.write(batch([bar(0)], [final(0, 5)]))
    store.repository.write(batch([bar(7)], [final(5, 10)]))
    assert store.repository.coverage("SPY", Timeframe.M1) == [final(0, 10)]


def test_final_coverage_supersedes_provisional_coverage(store: StoreUnderTest) -> None:
    provisional = CoverageSpan(
        Interval(T0, T0 + 10 * MINUTE), CoverageStatus.PROVISIONAL, "synthetic"
    )
    store.repository.write(batch([], [provisional]))
    store.repository.write(batch([], [final(0, 4)]))
    assert store.repository.coverage("SPY", Timeframe.M1) == [
        final(0, 4),
        CoverageSpan(
            Interval(T0 + 4 * MINUTE, T0 + 10 * MINUTE), CoverageStatus.PROVISIONAL, "synthetic"
        ),
    ]


def test_an_empty_window_is_recorded_without_bars(store: StoreUnderTest) -> None:
    assert store.repository.write(batch([], [final(0, 30)])) == 0
    assert store.repository.coverage("SPY", Timeframe.M1) == [final(0, 30)]
    assert stored(store) == []


def test_sources_lists_each_recorded_source(store: StoreUnderTest) -> None:
    assert store.repository.sources("SPY", Timeframe.M1) == set()
    store.repository.write(batch([], [final(0, 5)]))
    store.repository.write(batch([], [final(10, 15, "files")], source="files"))
    assert store.repository.sources("SPY", Timeframe.M1) == {"synthetic", "files"}


def test_counts_report_bars_series_and_spans(store: StoreUnderTest) -> None:
    store.repository.write(batch([bar(0), bar(1)], [final(0, 2)]))
    counts = store.repository.counts()
    assert (counts["bars"], counts["series"], counts["coverage_spans"]) == (2, 1, 1)


def test_registry_put_get_list_remove(store: StoreUnderTest) -> None:
    registry = store.registry
    assert registry.entries() == []
    spy = SymbolEntry("SPY", (Timeframe.M1, Timeframe.D1), SessionKind.ETH, True)
    idle = SymbolEntry("IWM", (Timeframe.M5,), SessionKind.RTH, False)
    registry.put(spy)
    registry.put(idle)
    assert registry.get("SPY") == spy
    assert registry.get("QQQ") is None
    assert [e.symbol for e in registry.entries()] == ["IWM", "SPY"]
    assert registry.entries(active_only=True) == [spy]
    registry.put(SymbolEntry("SPY", (Timeframe.H1,)))
    assert registry.get("SPY") == SymbolEntry("SPY", (Timeframe.H1,))
    assert registry.remove("SPY") is True
    assert registry.remove("SPY") is False
    assert registry.get("SPY") is None
