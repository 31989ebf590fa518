"""``bar_columns``, the bulk read, returns exactly what ``bars`` streams, on every store:
same bars, same order, same window, unknown VWAPs and trades kept unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronox_domain import Bar, Interval, Timeframe
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns
from tests.contract.conftest import StoreUnderTest
from tests.contract.test_store_contract import MINUTE, T0, WHOLE_DAY, batch, final


def varied(i: int, symbol: str = "SPY") -> Bar:
    """Bars whose every field differs, some with unknown VWAP or trades."""
    price = 100.0 + i / 7
    return Bar(
        symbol, Timeframe.M1, T0 + i * MINUTE, price, price + 0.5, price - 0.25, price + 0.125,
        1000.0 + i, None if i % 3 == 0 else price + 0.0625, None if i % 4 == 0 else 10 + i,
    )  # fmt: skip


def test_columns_hold_what_bars_streams(store: StoreUnderTest) -> None:
    bars = [varied(i) for i in range(40)]
    store.repository.write(batch(bars, [final(0, 40)]))
    window = Interval(T0 + 3 * MINUTE, T0 + 31 * MINUTE)

    columns = store.repository.bar_columns("SPY", Timeframe.M1, window)

    assert isinstance(columns, BarColumns)
    assert (columns.symbol, columns.timeframe, len(columns)) == ("SPY", Timeframe.M1, 28)
    assert columns.to_bars() == list(store.repository.bars("SPY", Timeframe.M1, window))
    assert columns.start_ns.typecode == columns.trades.typecode == "q"
    assert UNKNOWN_TRADES in columns.trades


def test_columns_of_an_empty_window_and_of_another_symbol_are_empty(store: StoreUnderTest) -> None:
    store.repository.write(batch([varied(i) for i in range(5)], [final(0, 5)]))
    later = Interval(T0 + timedelta(days=1), T0 + timedelta(days=2))
    assert len(store.repository.bar_columns("SPY", Timeframe.M1, later)) == 0
    assert len(store.repository.bar_columns("QQQ", Timeframe.M1, WHOLE_DAY)) == 0
    assert len(store.repository.bar_columns("SPY", Timeframe.M5, WHOLE_DAY)) == 0


def test_columns_across_a_new_year_join_in_order(store: StoreUnderTest) -> None:
    """The PostgreSQL store reads a year per query: the pieces join in start order."""
    eve = datetime(2024, 12, 31, 23, 58, tzinfo=UTC)
    bars = [varied(0)._replace(start=eve + i * MINUTE) for i in range(5)]
    store.repository.write(batch(bars, []))
    window = Interval(eve - timedelta(days=400), eve + timedelta(days=400))
    columns = store.repository.bar_columns("SPY", Timeframe.M1, window)
    assert [bar.start for bar in columns.to_bars()] == [bar.start for bar in bars]
