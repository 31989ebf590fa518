"""What one day file proves for one ticker: its bars, the coverage they earn, and why
anything was left out.

A published day file vouches for the whole of its session's extended hours, for every
ticker: a row is a bar, a minute without a row had no trades. So a ticker's coverage is
the session's extended-hours slot window, minus only the slots of rows that had to be
rejected (off the grid, broken invariants). A row stamped outside the session proves
nothing and uncovers nothing. Identical duplicate rows count once; two different rows
for one slot leave the ticker's whole session uncovered: which one is true is not for
chronox to guess.

Rows arrive as columns (:class:`TickerRows`). Almost every ticker of a real file is
clean: its rows in start order, one per slot, all inside the session, on the grid and
sound. That is checked over whole columns at once (C loops over the arrays, no object
per row), and such a ticker's columns are its bars. Any other ticker is checked row by
row, as bars, by the same rules: the quick check only decides which way a ticker goes,
never a verdict.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import repeat
from operator import le, lt, mod

from chronox_domain.bar import Bar, split_valid
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns, nanoseconds
from chronox_domain.dayfiles import TickerRows
from chronox_domain.interval import Interval, IntervalList, normalize, subtract
from chronox_domain.rollup import roll_up
from chronox_domain.session import Session, slot_window
from chronox_domain.timeframe import EPOCH, Timeframe

#: How many rejection reasons one ticker's day keeps verbatim (the rest are counted).
_REASONS_KEPT = 5
_NS_PER_US = 1_000
_NAN = array("d", [math.nan])


@dataclass(slots=True)
class TickerDay:
    """One ticker's share of a day file, checked."""

    #: Its bars of the asked timeframe, in start order (none with ``conflict``).
    bars: BarColumns
    #: What the file vouches for (empty with ``conflict``).
    covered: IntervalList = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)
    duplicates: int = 0
    #: Why the session stays uncovered (conflicting rows for one slot), or None.
    conflict: str | None = None


def ticker_day(symbol: str, rows: TickerRows, timeframe: Timeframe, session: Session) -> TickerDay:
    """Check ``rows`` (1m rows of a minute file, or 1d rows of a day file, in file
    order) of ``symbol`` for ``session`` (extended hours), and build ``timeframe``'s
    bars and coverage from them (5m, 15m, 1h rolled up from the minutes)."""
    grid = Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1
    lo, hi, whole = _windows(session, timeframe)
    if not _clean(rows, lo, hi, grid):
        return _row_by_row(symbol, _bars(symbol, rows, grid), timeframe, session)
    checked = BarColumns(
        symbol, grid, rows.start_ns, rows.open, rows.high, rows.low, rows.close,
        rows.volume, _NAN * len(rows), rows.trades,
    )  # fmt: skip
    if grid is not timeframe:
        checked = BarColumns.from_bars(symbol, timeframe, roll_up(checked.to_bars(), timeframe))
    return TickerDay(checked, [whole])


@lru_cache(maxsize=64)
def _windows(session: Session, timeframe: Timeframe) -> tuple[int, int, Interval]:
    """The session's slot window on the rows' grid (nanoseconds), and on ``timeframe``'s:
    the same for every ticker of a file, worked out once."""
    grid = Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1
    rows = slot_window(session, grid)
    return nanoseconds(rows.start), nanoseconds(rows.end), slot_window(session, timeframe)


def _clean(rows: TickerRows, lo: int, hi: int, grid: Timeframe) -> bool:
    """Whether every row is sure to pass the row-by-row rules untouched: starts strictly
    increasing (in order, no two rows of one slot) from ``lo`` to before ``hi``, on the
    grid; prices finite and positive with low <= open, close <= high; volume finite and
    not negative; trades unknown or not negative.

    NaN fails every comparison, so each price column in one of the four comparisons
    rules NaN out; then ``min(low) > 0`` and ``max(high) < inf`` bound every price.
    Each test is one C loop over the arrays (``map`` of an ``operator`` function)."""
    starts, low, high = rows.start_ns, rows.low, rows.high
    if not starts:
        return True
    step = grid.seconds * 1_000_000_000
    return (
        lo <= starts[0] and starts[-1] < hi
        and all(map(lt, starts, starts[1:]))
        and not any(map(mod, starts, repeat(step)))
        and all(map(le, low, rows.open)) and all(map(le, low, rows.close))
        and all(map(le, rows.open, high)) and all(map(le, rows.close, high))
        and min(low) > 0 and max(high) < math.inf
        and all(map(le, repeat(0.0), rows.volume)) and max(rows.volume) < math.inf
        and min(rows.trades) >= UNKNOWN_TRADES
    )  # fmt: skip


def _bars(symbol: str, rows: TickerRows, grid: Timeframe) -> list[Bar]:
    """The rows as bars of ``symbol``, in file order. A stamp is rounded up to the
    microsecond: one off by a few nanoseconds stays off the grid (rejected), never
    truncated onto it."""
    columns = (rows.start_ns, rows.open, rows.high, rows.low, rows.close, rows.volume)
    return [
        Bar(symbol, grid, _ceil_instant(ns), o, h, lo, c, v, None, _known(n))
        for ns, o, h, lo, c, v, n in zip(*columns, rows.trades, strict=True)
    ]


def _ceil_instant(ns: int) -> datetime:
    return EPOCH + timedelta(microseconds=-(-ns // _NS_PER_US))


def _known(trades: int) -> int | None:
    return None if trades == UNKNOWN_TRADES else trades


def _row_by_row(symbol: str, rows: list[Bar], timeframe: Timeframe, session: Session) -> TickerDay:
    """The rules, a bar at a time: for a ticker whose rows are not all clean."""
    grid = Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1
    day = TickerDay(BarColumns.empty(symbol, timeframe))
    unique = _unique(sorted(rows, key=_start), day)
    if day.conflict is not None:
        return day
    inside_window = slot_window(session, grid)
    inside = []
    for bar in unique:
        if inside_window.start <= bar.start < inside_window.end:
            inside.append(bar)
        else:
            _reject(day, f"{symbol} {bar.start.isoformat()}: outside the session of the file")
    valid, rejected = split_valid(inside)
    for rejection in rejected:
        _reject(day, f"{symbol} {rejection.bar.start.isoformat()}: {rejection.reason}")
    # A rejected row uncovers the slot it falls in (on the asked grid), nothing else.
    holes = normalize(
        Interval(slot, slot + timeframe.step)
        for rejection in rejected
        if rejection.bar.start.tzinfo is not None
        for slot in (timeframe.floor(rejection.bar.start),)
    )
    kept: Sequence[Bar] = valid if grid is timeframe else list(roll_up(valid, timeframe))
    day.bars = BarColumns.from_bars(symbol, timeframe, kept)
    day.covered = subtract([slot_window(session, timeframe)], holes)
    return day


def _unique(rows: list[Bar], day: TickerDay) -> list[Bar]:
    """``rows`` (sorted by start) once per slot; a slot with two different rows sets
    ``day.conflict``."""
    kept: list[Bar] = []
    for bar in rows:
        if kept and kept[-1].start == bar.start:
            if kept[-1] != bar:
                day.conflict = (
                    f"{bar.symbol} {bar.start.isoformat()}: two different rows for one slot "
                    f"({_ohlcv(kept[-1])} and {_ohlcv(bar)}): the session is left uncovered"
                )
                return []
            day.duplicates += 1
            continue
        kept.append(bar)
    return kept


def _reject(day: TickerDay, reason: str) -> None:
    day.rejected += 1
    if len(day.reasons) < _REASONS_KEPT:
        day.reasons.append(reason)


def _ohlcv(bar: Bar) -> str:
    return f"o={bar.open} h={bar.high} l={bar.low} c={bar.close} v={bar.volume}"


def _start(bar: Bar) -> datetime:
    return bar.start
