"""Adjusting bars as traded onto a price basis, with the vendor's documented splits.

AAPL's splits as the vendor lists them (``GET /stocks/v1/splits?ticker=AAPL``):
2005-02-28 2-for-1, 2014-06-09 7-for-1, 2020-08-31 4-for-1. Prices as traded on
2005-01-03 (open 64.78, high 65.11, low 62.60, close 63.29) against Yahoo Finance's
split-adjusted history of that day, to its six decimals (1.156786, 1.162679, 1.117857,
1.130179): a factor of 56 before the first split, 28 after it.
"""

from __future__ import annotations

import math
import random
from array import array
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    PriceBasis,
    StockSplit,
)
from chronox_domain.adjust import (
    Factors,
    adjust,
    adjusted,
    basis_factors,
    closes_needed,
    split_factors,
)
from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidInput, NotFound
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
FETCHED = datetime(2026, 3, 2, 12, tzinfo=UTC)


def split(day: date, split_from: float, split_to: float, symbol: str = "AAPL") -> StockSplit:
    kind = AdjustmentType.FORWARD_SPLIT if split_to > split_from else AdjustmentType.REVERSE_SPLIT
    return StockSplit(symbol, day, split_from, split_to, kind, None, FETCHED)


AAPL = CorporateActions(
    "AAPL",
    splits=(
        split(date(2020, 8, 31), 1, 4),
        split(date(2005, 2, 28), 1, 2),
        split(date(2014, 6, 9), 1, 7),
    ),
    fetched_at=FETCHED,
)


def new_york(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def bar(
    start: datetime,
    prices: tuple[float, float, float, float] = (100.0, 101.0, 99.0, 100.5),
    volume: float = 1000.0,
    timeframe: Timeframe = Timeframe.M1,
    symbol: str = "AAPL",
) -> Bar:
    o, h, lo, c = prices
    return Bar(symbol, timeframe, start, o, h, lo, c, volume, (h + lo) / 2, 12)


def columns(*bars: Bar) -> BarColumns:
    return BarColumns.from_bars(bars[0].symbol, bars[0].timeframe, bars)


def splits_basis(data: BarColumns, actions: CorporateActions = AAPL) -> list[Bar]:
    return adjusted(data, actions, PriceBasis.SPLITS, NEW_YORK).to_bars()


@pytest.mark.parametrize(
    ("session", "factor"),
    [
        (date(2005, 1, 3), 56.0),
        (date(2005, 2, 25), 56.0),  # the last session before the 2:1
        (date(2005, 2, 28), 28.0),  # the execution date trades on the new basis
        (date(2005, 3, 1), 28.0),
        (date(2014, 6, 6), 28.0),
        (date(2014, 6, 9), 4.0),
        (date(2020, 8, 28), 4.0),
        (date(2020, 8, 31), 1.0),
        (date(2024, 1, 2), 1.0),
    ],
)
def test_aapls_split_factor_on_each_side_of_each_split(session: date, factor: float) -> None:
    assert split_factors(AAPL.splits).at(session) == (factor, factor)


def test_a_2005_day_on_the_splits_basis_is_yahoos_split_adjusted_day() -> None:
    raw = bar(
        Timeframe.D1.daily_stamp(date(2005, 1, 3)),
        (64.78, 65.11, 62.60, 63.29),
        volume=24_714_000.0,
        timeframe=Timeframe.D1,
    )
    [day] = splits_basis(columns(raw))
    yahoo = (1.156786, 1.162679, 1.117857, 1.130179)
    assert [round(p, 6) for p in (day.open, day.high, day.low, day.close)] == list(yahoo)
    assert day.volume == 24_714_000.0 * 56 and day.trades == 12


def test_a_day_of_2005_after_the_first_split_is_divided_by_28() -> None:
    raw = bar(new_york(date(2005, 3, 1), 10), (44.5, 44.8, 44.1, 44.24), volume=700.0)
    [minute] = splits_basis(columns(raw))
    assert (minute.open, minute.high, minute.low, minute.close) == (
        44.5 / 28,
        44.8 / 28,
        44.1 / 28,
        44.24 / 28,
    )
    assert minute.vwap == pytest.approx((44.8 + 44.1) / 2 / 28, rel=1e-15)
    assert minute.volume == 700.0 * 28


def test_bars_on_both_sides_of_an_execution_date_in_one_read() -> None:
    last_before = bar(new_york(date(2005, 2, 25), 19, 59))  # Friday's post-market
    pre_market = bar(new_york(date(2005, 2, 28), 4))  # the execution date's first minute
    regular = bar(new_york(date(2005, 2, 28), 9, 30))
    read = splits_basis(columns(last_before, pre_market, regular))
    assert [b.close for b in read] == [100.5 / 56, 100.5 / 28, 100.5 / 28]
    assert [b.volume for b in read] == [1000.0 * 56, 1000.0 * 28, 1000.0 * 28]
    assert [b.start for b in read] == [last_before.start, pre_market.start, regular.start]


def test_the_session_date_is_new_yorks_not_utcs() -> None:
    # 20:30 New York on the day before is already the execution date in UTC.
    evening = bar(new_york(date(2005, 2, 27), 20, 30))
    assert evening.start.date() == date(2005, 2, 28)
    [read] = splits_basis(columns(evening))
    assert read.close == 100.5 / 56


def test_a_reverse_split_multiplies_earlier_prices_and_divides_volume() -> None:
    actions = CorporateActions("XYZ", splits=(split(date(2023, 5, 1), 10, 1, "XYZ"),))
    before = bar(new_york(date(2023, 4, 28), 10), (2.0, 2.5, 1.5, 2.25), 5000.0, symbol="XYZ")
    after = bar(new_york(date(2023, 5, 1), 10), (20.0, 25.0, 15.0, 22.5), 500.0, symbol="XYZ")
    old, new = splits_basis(columns(before, after), actions)
    assert (old.open, old.high, old.low, old.close, old.volume) == (20.0, 25.0, 15.0, 22.5, 500.0)
    assert new == after


def test_no_later_split_and_the_none_basis_return_the_bars_as_traded() -> None:
    data = columns(bar(new_york(date(2021, 3, 1), 10)))
    assert adjusted(data, AAPL, PriceBasis.SPLITS, NEW_YORK) is data
    old = columns(bar(new_york(date(2005, 1, 3), 10)))
    assert adjusted(old, AAPL, PriceBasis.NONE, NEW_YORK) is old
    assert adjusted(old, CorporateActions("AAPL"), PriceBasis.ALL, NEW_YORK) is old


def test_unknown_vwap_stays_unknown_and_trades_unchanged() -> None:
    raw = Bar("AAPL", Timeframe.M1, new_york(date(2005, 1, 3), 10), 10, 11, 9, 10, 1, None, None)
    [read] = splits_basis(columns(raw))
    assert read.vwap is None and read.trades is None and read.close == 10 / 56


def dividend(day: date, amount: float, factor: float | None = None) -> CashDividend:
    return CashDividend("KO", day, amount, "USD", FETCHED, historical_adjustment_factor=factor)


def test_all_uses_the_vendors_cumulative_dividend_factors() -> None:
    # The vendor's factor of a dividend covers it and every later one: 0.98 * 0.99.
    actions = CorporateActions(
        "KO",
        dividends=(
            dividend(date(2024, 3, 14), 0.485, 0.9702),
            dividend(date(2024, 6, 14), 0.485, 0.99),
        ),
    )
    bars = [
        bar(new_york(day, 10), symbol="KO")
        for day in (date(2024, 3, 13), date(2024, 3, 14), date(2024, 6, 14))
    ]
    read = adjusted(columns(*bars), actions, PriceBasis.ALL, NEW_YORK).to_bars()
    assert [b.close for b in read] == pytest.approx(
        [100.5 * 0.9702, 100.5 * 0.99, 100.5], rel=1e-12
    )
    assert [b.volume for b in read] == [1000.0] * 3
    assert closes_needed(actions.dividends) == []


def test_all_without_the_vendors_factor_takes_one_minus_amount_over_the_previous_close() -> None:
    actions = CorporateActions("KO", dividends=(dividend(date(2024, 3, 14), 0.5),))
    assert closes_needed(actions.dividends) == [date(2024, 3, 14)]
    data = columns(bar(new_york(date(2024, 3, 13), 10), symbol="KO"))
    with pytest.raises(NotFound, match="no close before the ex-date"):
        adjusted(data, actions, PriceBasis.ALL, NEW_YORK)
    [read] = adjusted(data, actions, PriceBasis.ALL, NEW_YORK, {date(2024, 3, 14): 50.0}).to_bars()
    assert read.close == pytest.approx(100.5 * (1 - 0.5 / 50.0), rel=1e-12)


def test_all_combines_splits_and_dividends_and_splits_ignores_dividends() -> None:
    actions = CorporateActions(
        "AAPL",
        splits=(split(date(2020, 8, 31), 1, 4),),
        dividends=(
            CashDividend(
                "AAPL", date(2020, 8, 7), 0.82, "USD", FETCHED, historical_adjustment_factor=0.9975
            ),
        ),
    )
    before_both = bar(new_york(date(2020, 8, 6), 10))
    between = bar(new_york(date(2020, 8, 7), 10))
    both, after = adjusted(
        columns(before_both, between), actions, PriceBasis.ALL, NEW_YORK
    ).to_bars()
    assert both.close == pytest.approx(100.5 / 4 * 0.9975, rel=1e-12)
    assert after.close == 100.5 / 4 and both.volume == after.volume == 4000.0
    only_splits = basis_factors(actions, PriceBasis.SPLITS)
    assert only_splits.at(date(2020, 8, 6)) == (4.0, 4.0)


def test_adjusting_a_year_of_minutes_moves_columns_not_bars() -> None:
    data = BarColumns.from_bars(
        "AAPL", Timeframe.M1, [bar(new_york(date(2005, 1, 3), 9, 30 + i)) for i in range(30)]
    )
    read = adjust(data, split_factors(AAPL.splits), NEW_YORK)
    assert read.start_ns is data.start_ns and read.trades is data.trades
    assert all(math.isclose(c, 100.5 / 56) for c in read.close)


@pytest.mark.parametrize("value", ["ALL", " splits", "", None, 1, ["all"], "adjusted"])
def test_the_basis_is_exactly_one_of_three_names(value: object) -> None:
    with pytest.raises(InvalidInput, match="choose from none, splits, all"):
        PriceBasis.parse(value)
    assert [PriceBasis.parse(name) for name in ("none", "splits", "all")] == list(PriceBasis)


def test_a_symbol_without_dividends_needs_no_close_and_reads_all_as_splits() -> None:
    assert closes_needed([]) == []
    bundle = CorporateActions("SPY")
    assert basis_factors(bundle, PriceBasis.ALL) == basis_factors(bundle, PriceBasis.SPLITS)


def random_doubles(count: int, seed: int) -> array[float]:
    """Every kind of double, drawn as raw bit patterns: normal, subnormal, zeros,
    infinities and NaNs of both signs (prices are none of the odd ones, but the pass
    must not care), and a run of ordinary prices."""
    rng = random.Random(seed)
    bits = array("Q", (rng.getrandbits(64) for _ in range(count)))
    odd = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -2.2e-308, 1.7976931348623157e308]
    values = array("d", bits.tobytes())
    values[: len(odd)] = array("d", odd)
    values[len(odd) : len(odd) + 1000] = array("d", (rng.uniform(0.01, 900.0) for _ in range(1000)))
    return values


@pytest.mark.parametrize(
    ("divisors", "multipliers"),
    [
        ((56.0, 28.0, 4.0), (56.0, 28.0, 4.0)),  # AAPL's splits: 28 and 56 divide, 4 is 2**2
        ((2.0, 0.5, 0.1), (2.0, 0.5, 0.1)),  # reverse splits multiply prices
        ((7.0 / 0.9975, 1 / 0.9975, 1 / (0.9975 * 0.998)), (7.0, 1.0, 1.0)),  # with dividends
        ((2.0**-1019, 2.0**1018, 2.0**1023), (2.0**1023, 2.0**-1074, 1.0)),  # powers of two, edges
    ],
)
def test_each_scaled_value_is_bit_for_bit_the_divided_or_multiplied_one(
    divisors: tuple[float, ...], multipliers: tuple[float, ...]
) -> None:
    # Three segments of uneven lengths, longer than one pass's chunk, and an unscaled tail.
    count = 40_000
    starts = array("q", range(0, count * 60_000_000_000, 60_000_000_000))
    values = random_doubles(count, seed=19)
    data = BarColumns(
        "AAPL", Timeframe.M1, starts, values, values, values, values, values, values,
        array("q", [1] * count),
    )  # fmt: skip
    sessions = [datetime.fromtimestamp(ns / 1e9, NEW_YORK).date() for ns in starts]
    boundaries = tuple(sessions[i] for i in (9_000, 26_003, 35_017))
    cuts = [sessions.index(day) for day in boundaries]  # the first minute of each
    read = adjust(data, Factors(boundaries, divisors, multipliers), NEW_YORK)
    spans = list(zip([0, *cuts], [*cuts, count], strict=True))
    want_prices, want_volume = array("d"), array("d")
    for (lo, hi), divisor, multiplier in zip(spans, [*divisors, 1], [*multipliers, 1], strict=True):
        # A factor of 1 leaves the values as they are, bit for bit (a signalling NaN too).
        want_prices.extend([x / divisor for x in values[lo:hi]] if divisor != 1 else values[lo:hi])
        want_volume.extend(
            [x * multiplier for x in values[lo:hi]] if multiplier != 1 else values[lo:hi]
        )
    for price in (read.open, read.high, read.low, read.close, read.vwap):
        assert price.tobytes() == want_prices.tobytes()
    assert read.volume.tobytes() == want_volume.tobytes()
    assert read.start_ns is starts and read.trades is data.trades
