"""The LegacyBars contract (chronox_domain/legacy.py), for every store adapter: the
split-adjusted bars a previous release stored, rebased once, replaced by a raw refetch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_domain.columns import BarColumns
from chronox_domain.legacy import LEGACY_SOURCE, RAW_SUCCESSOR
from tests.contract.conftest import StoreUnderTest

T0 = datetime(2005, 2, 25, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
AS_OF = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WHOLE_DAY = Interval(T0 - timedelta(hours=2), T0 + timedelta(hours=8))


def bar(i: int, close: float) -> Bar:
    return Bar("AAPL", Timeframe.M1, T0 + i * MINUTE, close, close, close, close, 56.0, close, 3)


def span(
    start: int, end: int, source: str, status: CoverageStatus = CoverageStatus.FINAL
) -> CoverageSpan:
    return CoverageSpan(Interval(T0 + start * MINUTE, T0 + end * MINUTE), status, source)


def legacy_store(store: StoreUnderTest) -> None:
    """Five legacy minutes (closes 1..5) covered by one legacy span, as migrated."""
    store.mark_legacy(AS_OF)
    bars = [bar(i, float(i + 1)) for i in range(5)]
    store.repository.write(
        BarBatch("AAPL", Timeframe.M1, bars, LEGACY_SOURCE, None, (span(0, 5, LEGACY_SOURCE),))
    )


def closes(store: StoreUnderTest) -> list[float]:
    return [b.close for b in store.repository.bars("AAPL", Timeframe.M1, WHOLE_DAY)]


def times(columns: BarColumns, factor: float) -> BarColumns:
    """``columns`` with prices times ``factor`` and volume divided by it."""
    return BarColumns.from_bars(
        columns.symbol,
        columns.timeframe,
        [
            Bar(b.symbol, b.timeframe, b.start, b.open * factor, b.high * factor,
                b.low * factor, b.close * factor, b.volume / factor,
                None if b.vwap is None else b.vwap * factor, b.trades)
            for b in columns.to_bars()
        ],
    )  # fmt: skip


def test_a_new_store_holds_no_legacy_bars(store: StoreUnderTest) -> None:
    store.repository.write(
        BarBatch("AAPL", Timeframe.M1, [bar(0, 1.0)], RAW_SUCCESSOR, None, (span(0, 1, "x"),))
    )
    assert store.legacy.legacy_as_of() is None
    assert store.legacy.has_legacy("AAPL") is False


def test_legacy_bars_are_rebased_once(store: StoreUnderTest) -> None:
    legacy_store(store)
    assert store.legacy.legacy_as_of() == AS_OF
    assert store.legacy.has_legacy("AAPL") and not store.legacy.has_legacy("MSFT")
    found = store.legacy.legacy_columns("AAPL", Timeframe.M1)
    assert list(found.close) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert len(store.legacy.legacy_columns("AAPL", Timeframe.D1)) == 0

    raw = times(found, 56.0)
    assert store.legacy.rebase("AAPL", Timeframe.M1, raw) == 5
    assert store.legacy.rebase("AAPL", Timeframe.M1, times(raw, 56.0)) == 0  # done once
    assert closes(store) == [56.0, 112.0, 168.0, 224.0, 280.0]
    assert [b.volume for b in store.repository.bars("AAPL", Timeframe.M1, WHOLE_DAY)] == [1.0] * 5
    assert store.legacy.has_legacy("AAPL") is False
    assert len(store.legacy.legacy_columns("AAPL", Timeframe.M1)) == 0


def test_a_rebase_leaves_a_bar_refetched_meanwhile_alone(store: StoreUnderTest) -> None:
    legacy_store(store)
    found = store.legacy.legacy_columns("AAPL", Timeframe.M1)
    store.repository.write(BarBatch("AAPL", Timeframe.M1, [bar(1, 150.0)], RAW_SUCCESSOR, None, ()))
    assert store.legacy.rebase("AAPL", Timeframe.M1, times(found, 56.0)) == 4
    assert closes(store) == [56.0, 150.0, 168.0, 224.0, 280.0]


def test_a_raw_refetch_leaves_only_raw_rows_in_its_window(store: StoreUnderTest) -> None:
    legacy_store(store)
    # The raw answer for minutes 0..3 has bars at 0 and 2 only.
    raw = [bar(0, 100.0), bar(2, 102.0)]
    store.repository.write(
        BarBatch("AAPL", Timeframe.M1, raw, RAW_SUCCESSOR, None, (span(0, 3, RAW_SUCCESSOR),))
    )
    assert closes(store) == [100.0, 102.0, 4.0, 5.0]  # minute 1 had no trade; 3, 4 not asked
    assert store.repository.coverage("AAPL", Timeframe.M1) == [
        span(0, 3, RAW_SUCCESSOR),
        span(3, 5, LEGACY_SOURCE),
    ]


def test_a_provisional_answer_replaces_no_legacy_row(store: StoreUnderTest) -> None:
    legacy_store(store)
    provisional = span(0, 5, RAW_SUCCESSOR, CoverageStatus.PROVISIONAL)
    store.repository.write(
        BarBatch("AAPL", Timeframe.M1, [bar(0, 100.0)], RAW_SUCCESSOR, T0, (provisional,))
    )
    assert closes(store) == [1.0, 2.0, 3.0, 4.0, 5.0]
