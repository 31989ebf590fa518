"""The day rule on columns (``flatfile_day.ticker_day``) gives what the row-by-row rules
give for any rows: the quick check over whole columns only decides which way a ticker
goes, never a verdict. Rows are drawn around a real session (clean ones mostly, and
every defect the vendor's files have shown: duplicates, conflicting rows, off-grid and
nonsense stamps, rows outside the session, broken invariants, NaN and infinite values,
negative volumes, unknown trade counts, rows out of order)."""

from __future__ import annotations

import math
from array import array
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.columns import UNKNOWN_TRADES
from chronox_domain.dayfiles import TickerRows
from chronox_domain.flatfile_day import TickerDay, _bars, _row_by_row, ticker_day
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

DAY = date(2024, 3, 5)
SESSION: Session = ExchangeCalendar().sessions(DAY, DAY, SessionKind.ETH)[0]
OPEN_NS = int(SESSION.open.timestamp()) * 1_000_000_000
MINUTE_NS = 60_000_000_000
DAILY_NS = int(Timeframe.D1.daily_stamp(DAY).timestamp()) * 1_000_000_000

Row = tuple[int, float, float, float, float, float, int]

sound_price = st.sampled_from([0.42, 7.5, 48.0, 187.15, 512.0, 0.1 + 0.2])
odd_float = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e308])


@st.composite
def clean_row(draw: st.DrawFn, minute: int | None = None) -> Row:
    low = draw(sound_price)
    spread = draw(st.sampled_from([0.0, 0.01, 0.5]))
    o = low + draw(st.sampled_from([0.0, spread]))
    c = low + draw(st.sampled_from([0.0, spread]))
    high = max(o, c) + draw(st.sampled_from([0.0, 0.02]))
    slot = draw(st.integers(0, 16 * 60 - 1)) if minute is None else minute
    volume = draw(st.sampled_from([0.0, 1.0, 17798.430378, 4021.0]))
    trades = draw(st.sampled_from([UNKNOWN_TRADES, 0, 57]))
    return OPEN_NS + slot * MINUTE_NS, o, high, low, c, volume, trades


@st.composite
def odd_row(draw: st.DrawFn, minute: int | None = None) -> Row:
    """A row with one defect (its stamp kept when ``minute`` is given)."""
    start, o, h, lo, c, v, n = draw(clean_row(minute))
    kind = draw(st.integers(0 if minute is None else 2, 9))
    if kind == 0:
        start += draw(st.sampled_from([1, 500, 1_000, 30_000_000_000]))  # off the grid
    elif kind == 1:
        start = draw(st.sampled_from([0, OPEN_NS - MINUTE_NS, OPEN_NS + 16 * 60 * MINUTE_NS]))
    elif kind == 2:
        o = draw(odd_float)
    elif kind == 3:
        h = draw(odd_float)
    elif kind == 4:
        lo = draw(odd_float)
    elif kind == 5:
        c = draw(odd_float)
    elif kind == 6:
        v = draw(odd_float)
    elif kind == 7:
        lo, h = h + 1.0, lo  # low above high
    elif kind == 8:
        n = draw(st.sampled_from([-5, 10**12]))
    else:
        o = c = h + 0.5  # open and close above high
    return start, o, h, lo, c, v, n


@st.composite
def ticker_rows(draw: st.DrawFn) -> list[Row]:
    minutes = draw(st.lists(st.integers(0, 16 * 60 - 1), min_size=0, max_size=40, unique=True))
    odds = draw(st.sampled_from([0, 3, 20]))  # one row in this many has a defect (0: none)
    rows = [
        draw(odd_row(minute) if odds and draw(st.integers(1, odds)) == 1 else clean_row(minute))
        for minute in sorted(minutes)
    ]
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.integers(0, 3))
        if what == 0:
            rows.append(draw(odd_row()))
        elif rows and what == 1:  # the same row again
            rows.append(draw(st.sampled_from(rows)))
        elif rows and what == 2:  # another row for a slot already held
            start = draw(st.sampled_from(rows))[0]
            rows.append((start, *draw(clean_row())[1:]))
        elif rows:
            rows.reverse()
    at = draw(st.integers(0, len(rows)))
    return rows[at:] + rows[:at] if draw(st.booleans()) else rows


def rows_of(ticker: str, rows: list[Row]) -> TickerRows:
    """The rows as a source hands them over: exact nanosecond stamps, unknown counts."""
    return TickerRows(
        ticker,
        array("q", [row[0] for row in rows]),
        array("d", [row[1] for row in rows]),
        array("d", [row[2] for row in rows]),
        array("d", [row[3] for row in rows]),
        array("d", [row[4] for row in rows]),
        array("d", [row[5] for row in rows]),
        array("q", [row[6] for row in rows]),
    )


def same(one: TickerDay, other: TickerDay) -> bool:
    """Equal days, where two NaN values of a kept bar count as equal."""
    return (
        one.covered == other.covered
        and (one.rejected, one.reasons, one.duplicates, one.conflict)
        == (other.rejected, other.reasons, other.duplicates, other.conflict)
        and one.bars.symbol == other.bars.symbol
        and one.bars.timeframe == other.bars.timeframe
        and all(
            a.tobytes() == b.tobytes()
            for a, b in zip(one.bars.arrays(), other.bars.arrays(), strict=True)
        )
    )


@settings(max_examples=600, deadline=None)
@given(rows=ticker_rows(), timeframe=st.sampled_from([Timeframe.M1, Timeframe.M5, Timeframe.H1]))
def test_the_columns_rule_is_the_row_by_row_rule(rows: list[Row], timeframe: Timeframe) -> None:
    given_rows = rows_of("KIMpL", rows)
    reference = _row_by_row("KIMpL", _bars("KIMpL", given_rows, Timeframe.M1), timeframe, SESSION)
    assert same(ticker_day("KIMpL", given_rows, timeframe, SESSION), reference)


@st.composite
def one_odd_row(draw: st.DrawFn) -> list[Row]:
    """Clean rows in order but one, whose values have one defect: only the quick
    check stands between that row and the store."""
    minutes = draw(st.lists(st.integers(0, 16 * 60 - 1), min_size=1, max_size=30, unique=True))
    rows = [draw(clean_row(minute)) for minute in sorted(minutes)]
    at = draw(st.integers(0, len(rows) - 1))
    rows[at] = draw(odd_row(int((rows[at][0] - OPEN_NS) // MINUTE_NS)))
    return rows


@settings(max_examples=600, deadline=None)
@given(rows=one_odd_row(), timeframe=st.sampled_from([Timeframe.M1, Timeframe.M15]))
def test_one_bad_value_among_clean_rows_is_found(rows: list[Row], timeframe: Timeframe) -> None:
    given_rows = rows_of("BRK.A", rows)
    reference = _row_by_row("BRK.A", _bars("BRK.A", given_rows, Timeframe.M1), timeframe, SESSION)
    assert same(ticker_day("BRK.A", given_rows, timeframe, SESSION), reference)


@settings(max_examples=100, deadline=None)
@given(low=sound_price, stamp=st.sampled_from([DAILY_NS, DAILY_NS + 1, OPEN_NS, 0]))
def test_a_daily_row_is_checked_against_the_daily_slot(low: float, stamp: int) -> None:
    given_rows = rows_of("SPY", [(stamp, low, low + 1, low, low, 100.0, 5)])
    day = ticker_day("SPY", given_rows, Timeframe.D1, SESSION)
    reference = _row_by_row("SPY", _bars("SPY", given_rows, Timeframe.D1), Timeframe.D1, SESSION)
    assert same(day, reference)
    assert len(day.bars) == (stamp == DAILY_NS)


def test_clean_rows_are_the_bars_and_the_whole_session_is_covered() -> None:
    rows = [(OPEN_NS + i * MINUTE_NS, 10.0, 11.0, 9.0, 10.5, 100.0, 3) for i in range(0, 960, 2)]
    day = ticker_day("SPY", rows_of("SPY", rows), Timeframe.M1, SESSION)
    assert len(day.bars) == 480 and day.rejected == 0 and day.conflict is None
    assert day.bars.start_ns.tolist() == [row[0] for row in rows]
    assert day.covered == [slot_window(SESSION, Timeframe.M1)]
