"""Adjusting commutes with rolling up: 1m bars adjusted then rolled up to 5m..1d equal
the roll-ups of the bars as traded, adjusted afterwards.

A split's boundary is a session date, so every bucket (an intraday slot, a session)
lies wholly on one side of it and is scaled by one factor: prices, vwap and volume
scale alike inside it, so sums, maxima, minima and volume-weighted means commute.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from chronox_domain.actions import AdjustmentType, CorporateActions, PriceBasis, StockSplit
from chronox_domain.adjust import adjusted
from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.rollup import roll_up
from chronox_domain.session import Session
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
#: A week of sessions across New York's change to summer time (2024-03-10).
DAYS = [date(2024, 3, 7), date(2024, 3, 8), date(2024, 3, 11), date(2024, 3, 12)]
FETCHED = datetime(2026, 1, 2, tzinfo=ZoneInfo("UTC"))
ETH_MINUTES = 16 * 60  # 04:00 to 20:00


def at(day: date, minute_of_eth: int) -> datetime:
    opening = datetime(day.year, day.month, day.day, 4, tzinfo=NEW_YORK)
    return (opening + timedelta(minutes=minute_of_eth)).astimezone(FETCHED.tzinfo)


def rth(day: date) -> Session:
    def moment(hour: int, minute: int) -> datetime:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)
        return local.astimezone(FETCHED.tzinfo)

    return Session(day, moment(9, 30), moment(16, 0))


@st.composite
def minute_bars(draw: st.DrawFn) -> list[Bar]:
    bars = []
    for day in DAYS:
        for minute in sorted(draw(st.sets(st.integers(0, ETH_MINUTES - 1), max_size=25))):
            low = draw(st.floats(1.0, 500.0))
            high = low * draw(st.floats(1.0, 1.05))
            o, c = (low + (high - low) * draw(st.floats(0, 1)) for _ in range(2))
            # Shares, not subnormal floats (5e-324 / 10 underflows to no volume at all).
            volume = draw(st.just(0.0) | st.floats(1e-3, 1e9))
            vwap = draw(st.none() | st.floats(low, high))
            trades = draw(st.none() | st.integers(0, 1000))
            bars.append(
                Bar("XYZ", Timeframe.M1, at(day, minute), o, high, low, c, volume, vwap, trades)
            )
    return bars


@st.composite
def split_actions(draw: st.DrawFn) -> CorporateActions:
    days = draw(st.sets(st.sampled_from([*DAYS, date(2024, 3, 13)]), max_size=3))
    splits = []
    for day in sorted(days):
        split_from, split_to = draw(st.sampled_from([(1, 2), (1, 4), (10, 1), (2, 3), (1, 7)]))
        kind = (
            AdjustmentType.FORWARD_SPLIT if split_to > split_from else AdjustmentType.REVERSE_SPLIT
        )
        splits.append(StockSplit("XYZ", day, split_from, split_to, kind, None, FETCHED))
    return CorporateActions("XYZ", splits=tuple(splits), fetched_at=FETCHED)


def same(a: Bar, b: Bar) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)

    prices = zip(
        (a.open, a.high, a.low, a.close, a.vwap),
        (b.open, b.high, b.low, b.close, b.vwap),
        strict=True,
    )
    return (
        a.start == b.start
        and a.trades == b.trades
        and close(a.volume, b.volume)
        and all(close(x, y) for x, y in prices)
    )


@settings(max_examples=150, deadline=None)
@given(
    minute_bars(),
    split_actions(),
    st.sampled_from([Timeframe.M5, Timeframe.M15, Timeframe.H1, Timeframe.D1]),
)
def test_adjusting_then_rolling_up_equals_rolling_up_then_adjusting(
    minutes: list[Bar], actions: CorporateActions, timeframe: Timeframe
) -> None:
    sessions = [rth(day) for day in DAYS]
    raw = BarColumns.from_bars("XYZ", Timeframe.M1, minutes)
    first_adjusted = adjusted(raw, actions, PriceBasis.SPLITS, NEW_YORK).to_bars()
    adjusted_then_rolled = list(roll_up(first_adjusted, timeframe, sessions))
    rolled = BarColumns.from_bars("XYZ", timeframe, roll_up(minutes, timeframe, sessions))
    rolled_then_adjusted = adjusted(rolled, actions, PriceBasis.SPLITS, NEW_YORK).to_bars()
    assert len(adjusted_then_rolled) == len(rolled_then_adjusted)
    assert all(same(a, b) for a, b in zip(adjusted_then_rolled, rolled_then_adjusted, strict=True))
