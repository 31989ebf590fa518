"""OHLCV bars and the invariants a stored bar must satisfy."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from chronox_domain.timeframe import EPOCH, Timeframe

_MINUTE = timedelta(minutes=1)


class Bar(NamedTuple):
    """One OHLCV bar. ``start`` is the UTC start of its slot (see :class:`Timeframe`).

    A named tuple rather than a dataclass: ingestion moves millions of these, and a
    tuple is the cheapest immutable record Python has.
    """

    symbol: str
    timeframe: Timeframe
    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = None
    trades: int | None = None


def bar_problem(bar: Bar) -> str | None:
    """Why ``bar`` must not be stored, or ``None`` when it is sound."""
    o, h, lo, c = bar.open, bar.high, bar.low, bar.close
    for name, price in (("open", o), ("high", h), ("low", lo), ("close", c)):
        if not (price > 0 and math.isfinite(price)):
            return f"{name} price {price!r} is not a finite positive number"
    if not lo <= min(o, c):
        return f"low {lo} is above min(open, close) {min(o, c)}"
    if not max(o, c) <= h:
        return f"high {h} is below max(open, close) {max(o, c)}"
    if not (bar.volume >= 0 and math.isfinite(bar.volume)):
        return f"volume {bar.volume!r} is negative or not finite"
    if bar.vwap is not None and not (bar.vwap > 0 and math.isfinite(bar.vwap)):
        return f"vwap {bar.vwap!r} is not a finite positive number"
    if bar.trades is not None and bar.trades < 0:
        return f"trades {bar.trades} is negative"
    start = bar.start
    if start.tzinfo is None:
        return "start has no time zone"
    if bar.timeframe.floor(start) != start:
        return f"start {start.isoformat()} is not on the {bar.timeframe} grid"
    return None


@dataclass(frozen=True, slots=True)
class RejectedBar:
    bar: Bar
    reason: str


def split_valid(bars: Iterable[Bar]) -> tuple[list[Bar], list[RejectedBar]]:
    """Partition ``bars`` into the sound ones and the rejected ones with reasons.

    This runs on every ingested bar, so a bar is first checked against all of
    :func:`bar_problem`'s rules in one expression. Only a bar that does not pass it
    cleanly (or makes it raise) goes to :func:`bar_problem`, for the verdict and the
    reason: the quick check can make a bar slower, never let a bad one through.
    """
    valid: list[Bar] = []
    rejected: list[RejectedBar] = []
    finite = math.isfinite
    timeframe: Timeframe | None = None
    step = _MINUTE
    for bar in bars:
        try:
            _symbol, frame, start, o, h, lo, c, volume, vwap, trades = bar
            if frame is not timeframe:
                timeframe, step = frame, frame.step
            sound = (
                o > 0 and finite(o) and h > 0 and finite(h)
                and lo > 0 and finite(lo) and c > 0 and finite(c)
                and lo <= o and lo <= c and o <= h and c <= h
                and volume >= 0 and finite(volume)
                and (vwap is None or (vwap > 0 and finite(vwap)))
                and (trades is None or trades >= 0)
                and start.tzinfo is not None
                # On the grid: a whole number of steps after the epoch (exact integer
                # arithmetic on timedeltas, the same test as ``floor(start) == start``).
                and not (start - EPOCH) % step
            )  # fmt: skip
        except Exception:
            sound = False
        if sound:
            valid.append(bar)
            continue
        problem = bar_problem(bar)
        if problem is None:
            valid.append(bar)
        else:
            rejected.append(RejectedBar(bar, problem))
    return valid, rejected
