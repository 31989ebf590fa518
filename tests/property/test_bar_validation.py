"""``split_valid`` (the quick check ingestion runs on every bar) agrees with
``bar_problem`` (the rules, one by one) on every bar: the same verdict, the same reason.

Bars are drawn sound, then some are damaged: NaN, infinities, zero and negative
prices, low above high, open or close outside [low, high], negative volume or trades,
starts without a time zone, off the timeframe's grid, before the epoch, or in another
time zone.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from chronox_domain.bar import Bar, bar_problem, split_valid
from chronox_domain.timeframe import Timeframe

BASE = datetime(2024, 1, 1, tzinfo=UTC)
PRICES = st.floats(min_value=0.01, max_value=1e6)
ODD_NUMBERS = st.sampled_from(
    [math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, -1e-9, 5e-324, 1e308]
)
#: Any float at all, and the odd ones often.
DAMAGED = ODD_NUMBERS | st.floats()


@st.composite
def starts(draw: st.DrawFn, timeframe: Timeframe) -> datetime:
    # Up to ~55 years either way of BASE for daily bars: before the epoch too.
    start = BASE + draw(st.integers(-20_000, 20_000)) * timeframe.step
    damage = draw(st.sampled_from(["none", "none", "off grid", "naive", "other zone"]))
    if damage == "off grid":
        start += draw(
            st.sampled_from([timedelta(microseconds=1), timedelta(seconds=1)])
            | st.timedeltas(timedelta(0), timeframe.step)
        )
    elif damage == "naive":
        start = start.replace(tzinfo=None)
    elif damage == "other zone":  # the same instant, still aware: on the grid or not alike
        start = start.astimezone(timezone(timedelta(hours=draw(st.integers(-12, 12)))))
    return start


@st.composite
def bars(draw: st.DrawFn) -> Bar:
    timeframe = draw(st.sampled_from(list(Timeframe)))
    low, a, b, high = sorted(draw(st.lists(PRICES, min_size=4, max_size=4)))
    open_, close = draw(st.permutations([a, b]))
    fields: dict[str, object] = {
        "open": open_, "high": high, "low": low, "close": close,
        "volume": draw(st.floats(0, 1e12)),
        "vwap": draw(st.none() | PRICES),
        "trades": draw(st.none() | st.integers(0, 10**6)),
    }  # fmt: skip
    if draw(st.booleans()):
        for name in draw(st.sets(st.sampled_from(sorted(fields)), min_size=1, max_size=3)):
            fields[name] = draw(st.integers(-(10**6), -1)) if name == "trades" else draw(DAMAGED)
    if draw(st.integers(0, 9)) == 0:
        fields["low"], fields["high"] = fields["high"], fields["low"]  # low above high
    if draw(st.integers(0, 9)) == 0:  # open (or close) just outside [low, high]
        name = draw(st.sampled_from(["open", "close"]))
        fields[name] = draw(st.sampled_from([low * 0.999, high * 1.001]))
    return Bar("SPY", timeframe, draw(starts(timeframe)), **fields)  # type: ignore[arg-type]


@given(bars())
def test_split_valid_keeps_exactly_the_bars_without_a_problem(bar: Bar) -> None:
    valid, rejected = split_valid([bar])
    problem = bar_problem(bar)
    if problem is None:
        assert (valid, rejected) == ([bar], [])
    else:
        assert valid == [] and [(r.bar, r.reason) for r in rejected] == [(bar, problem)]


@given(st.lists(bars(), max_size=30))
def test_split_valid_partitions_a_mixed_batch_in_order(batch: list[Bar]) -> None:
    # Mixed timeframes in one batch: the quick check's cached grid step must follow.
    valid, rejected = split_valid(batch)
    assert valid == [bar for bar in batch if bar_problem(bar) is None]
    assert [(r.bar, r.reason) for r in rejected] == [
        (bar, problem) for bar in batch if (problem := bar_problem(bar)) is not None
    ]


@pytest.mark.parametrize(
    "reason",
    [None, "open price", "high price", "low price", "close price", r"low \S+ is above",
     r"high \S+ is below", "volume", "vwap", "trades", "start has no time zone",
     r"start \S+ is not on the"],
)  # fmt: skip
def test_the_drawn_bars_reach_every_verdict(reason: str | None) -> None:
    # A guard on the strategy, not the code: each rule is broken by some drawn bar.
    def wanted(bar: Bar) -> bool:
        problem = bar_problem(bar)
        return problem is None if reason is None else re.match(reason, problem or "") is not None

    find(
        bars(),
        wanted,
        settings=settings(max_examples=2_000, database=None, phases=[Phase.generate]),
    )
