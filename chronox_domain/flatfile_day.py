"""What one day file proves for one ticker: its bars, the coverage they earn, and why
anything was left out.

A published day file vouches for the whole of its session's extended hours, for every
ticker: a row is a bar, a minute without a row had no trades. So a ticker's coverage is
the session's extended-hours slot window, minus only the slots of rows that had to be
rejected (off the grid, broken invariants). A row stamped outside the session proves
nothing and uncovers nothing. Identical duplicate rows count once; two different rows
for one slot leave the ticker's whole session uncovered: which one is true is not for
chronox to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chronox_domain.bar import Bar, split_valid
from chronox_domain.interval import Interval, IntervalList, normalize, subtract
from chronox_domain.rollup import roll_up
from chronox_domain.session import Session, slot_window
from chronox_domain.timeframe import Timeframe

#: How many rejection reasons one ticker's day keeps verbatim (the rest are counted).
_REASONS_KEPT = 5


@dataclass(slots=True)
class TickerDay:
    """One ticker's share of a day file, checked."""

    bars: list[Bar] = field(default_factory=list)
    #: What the file vouches for (empty with ``conflict``).
    covered: IntervalList = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)
    duplicates: int = 0
    #: Why the session stays uncovered (conflicting rows for one slot), or None.
    conflict: str | None = None


def ticker_day(symbol: str, rows: list[Bar], timeframe: Timeframe, session: Session) -> TickerDay:
    """Check ``rows`` (1m bars of a minute file, or 1d bars of a day file, in file
    order) of ``symbol`` for ``session`` (extended hours), and build ``timeframe``'s
    bars and coverage from them (5m, 15m, 1h rolled up from the minutes)."""
    grid = Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1
    day = TickerDay()
    unique = _unique(sorted(rows, key=_start), day)
    if day.conflict is not None:
        return day
    inside_window = slot_window(session, grid)
    inside = []
    for bar in unique:
        if inside_window.start <= bar.start < inside_window.end:
            inside.append(bar._replace(symbol=symbol))
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
    day.bars = valid if grid is timeframe else list(roll_up(valid, timeframe))
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
