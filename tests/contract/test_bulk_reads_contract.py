"""Reads of many symbols in one query (``coverage_within``, ``bar_starts_within``), for
every store adapter: each answers exactly what the per-symbol reads answer, restricted
to the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from tests.contract.conftest import StoreUnderTest

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
WINDOW = Interval(T0 + 10 * MINUTE, T0 + 20 * MINUTE)


def at(minute: int) -> datetime:
    return T0 + minute * MINUTE


def span(
    start: int, end: int, status: CoverageStatus = CoverageStatus.FINAL, source: str = "polygon"
) -> CoverageSpan:
    answered = at(end) + timedelta(hours=1) if status is CoverageStatus.UNCONFIRMED else None
    return CoverageSpan(Interval(at(start), at(end)), status, source, answered)


def bar(symbol: str, minute: int, timeframe: Timeframe = Timeframe.M1) -> Bar:
    return Bar(symbol, timeframe, at(minute), 10.0, 11.0, 9.0, 10.5, 100.0, 10.2, 3)


def write(
    store: StoreUnderTest,
    symbol: str,
    minutes: list[int],
    coverage: list[CoverageSpan],
    timeframe: Timeframe = Timeframe.M1,
) -> None:
    bars = [bar(symbol, m, timeframe) for m in minutes]
    store.repository.write(BarBatch(symbol, timeframe, bars, "polygon", None, tuple(coverage)))


def overlapping(store: StoreUnderTest, symbol: str, window: Interval) -> list[CoverageSpan]:
    return [
        s for s in store.repository.coverage(symbol, Timeframe.M1) if s.interval.overlaps(window)
    ]


def keyed(spans: list[CoverageSpan]) -> list[tuple[datetime, str, str]]:
    return sorted((s.interval.start, s.status.value, s.source) for s in spans)


def ledgers(store: StoreUnderTest) -> None:
    """Spans before, straddling, inside, touching and after the window, of every status."""
    write(store, "AAA", [1, 2], [span(0, 5)])  # ends before the window
    write(store, "AAA", [8, 12], [span(5, 10)])  # ends where the window starts: outside
    write(store, "AAA", [13], [span(12, 14, CoverageStatus.PROVISIONAL, "live")])
    write(store, "AAA", [], [span(14, 16, CoverageStatus.UNCONFIRMED)])
    write(store, "AAA", [25], [span(20, 30)])  # starts where the window ends: outside
    write(store, "BBB", [9, 10, 19], [span(0, 40, source="flatfiles")])  # straddles it
    write(store, "CCC", [30], [span(25, 35)])  # after it only
    write(store, "AAA", [11], [span(0, 5, source="files")], Timeframe.M5)  # another timeframe


def test_coverage_within_is_the_ledger_restricted_to_the_window(store: StoreUnderTest) -> None:
    ledgers(store)
    asked = ["AAA", "BBB", "CCC", "ZZZ"]
    found = store.repository.coverage_within(asked, Timeframe.M1, WINDOW)
    assert set(found) == set(asked)
    for symbol in asked:
        assert keyed(found[symbol]) == keyed(overlapping(store, symbol, WINDOW)), symbol
        assert sorted(found[symbol], key=lambda s: s.interval.start) == found[symbol]
    assert [s.interval for s in found["AAA"]] == [
        Interval(at(12), at(14)),
        Interval(at(14), at(16)),
    ]
    assert found["BBB"] == store.repository.coverage("BBB", Timeframe.M1)  # whole, unclipped
    assert found["CCC"] == [] and found["ZZZ"] == []


def test_coverage_within_one_symbol_and_none(store: StoreUnderTest) -> None:
    ledgers(store)
    one = store.repository.coverage_within(["AAA"], Timeframe.M1, WINDOW)
    assert keyed(one["AAA"]) == keyed(overlapping(store, "AAA", WINDOW))
    assert store.repository.coverage_within([], Timeframe.M1, WINDOW) == {}
    wide = Interval(at(-60), at(60))
    everything = store.repository.coverage_within(["AAA"], Timeframe.M5, wide)
    assert everything["AAA"] == store.repository.coverage("AAA", Timeframe.M5)


def test_coverage_within_shares_nothing_wrongly_between_symbols(store: StoreUnderTest) -> None:
    """The same span in many ledgers (a day file's) reads back in each, equal."""
    symbols = [f"S{i:04d}" for i in range(40)]
    batches = [BarBatch(s, Timeframe.M1, [], "flatfiles", None, (span(0, 30),)) for s in symbols]
    store.repository.write_many(batches)
    found = store.repository.coverage_within(symbols, Timeframe.M1, WINDOW)
    assert all(found[s] == store.repository.coverage(s, Timeframe.M1) for s in symbols)


def test_bar_starts_within_is_bar_starts_of_each_symbol(store: StoreUnderTest) -> None:
    ledgers(store)
    streamed = store.repository.bar_starts_within(
        ["AAA", "BBB", "CCC", "ZZZ", "BBB"], Timeframe.M1, WINDOW
    )
    assert isinstance(streamed, Iterator)
    found = list(streamed)
    assert sorted(symbol for symbol, _ in found) == ["AAA", "BBB"]  # each once, with bars
    for symbol, starts in found:
        assert starts == store.repository.bar_starts(symbol, Timeframe.M1, WINDOW)
    assert dict(found)["BBB"] == [at(10), at(19)]  # start inclusive, end exclusive
    assert list(store.repository.bar_starts_within([], Timeframe.M1, WINDOW)) == []


def test_many_symbols_in_one_read(store: StoreUnderTest) -> None:
    """More symbols than SQLite binds parameters (999 in old builds)."""
    symbols = [f"U{i:04d}" for i in range(1_200)]
    batches = [
        BarBatch(s, Timeframe.M1, [bar(s, 10 + i % 3)], "flatfiles", None, (span(0, 30),))
        for i, s in enumerate(symbols)
    ]
    store.repository.write_many(batches)
    ledgers_read = store.repository.coverage_within(symbols, Timeframe.M1, WINDOW)
    assert all(len(ledgers_read[s]) == 1 for s in symbols)
    starts = dict(store.repository.bar_starts_within(symbols, Timeframe.M1, WINDOW))
    assert starts == {s: [at(10 + i % 3)] for i, s in enumerate(symbols)}


def test_bar_counts_count_each_symbols_bars_in_each_window(store: StoreUnderTest) -> None:
    ledgers(store)  # AAA bars at 1, 2, 8, 12, 13, 25; BBB at 9, 10, 19; CCC at 30
    windows = [
        Interval(at(0), at(2)),
        Interval(at(2), at(9)),  # touches the one before
        Interval(at(10), at(13)),
        Interval(at(19), at(20)),
        Interval(at(40), at(50)),
    ]
    found = store.repository.bar_counts(["AAA", "BBB", "CCC", "ZZZ", "AAA"], Timeframe.M1, windows)
    assert found["AAA"] == [1, 2, 1, 0, 0]
    assert found["BBB"] == [0, 0, 1, 1, 0]
    assert found.get("CCC", [0] * 5) == [0] * 5  # a bar, but in no window
    assert found.get("ZZZ", [0] * 5) == [0] * 5
    assert store.repository.bar_counts([], Timeframe.M1, windows) == {}
    assert store.repository.bar_counts(["AAA"], Timeframe.M5, windows).get("AAA", [0] * 5) == [
        0,
        0,
        1,
        0,
        0,
    ]


def test_bar_counts_over_many_windows(store: StoreUnderTest) -> None:
    """More windows than one SQLite statement buckets: each counted where it falls."""
    minutes = list(range(0, 700, 7))
    write(store, "DDD", minutes, [span(0, 700)])
    windows = [Interval(at(2 * i), at(2 * i + 1)) for i in range(350)]
    (counts,) = store.repository.bar_counts(["DDD"], Timeframe.M1, windows).values()
    assert counts == [1 if 2 * i in minutes else 0 for i in range(350)]
