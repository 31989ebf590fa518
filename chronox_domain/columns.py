"""Bars as columns: one typed array per field, for readers that move a year at a time.

A symbol-year of minute bars is about 100,000 rows; as :class:`Bar` tuples with a
``datetime`` each it costs more to build than to read from the store. ``BarColumns``
holds the same bars as ``array.array``s (standard library, and buffers that numpy,
pandas and Arrow wrap without copying), so a store can hand them over in bulk.

Unknown values keep the arrays flat (no ``None`` in a typed array): an unknown
``vwap`` is NaN and unknown ``trades`` are :data:`UNKNOWN_TRADES` (a bar's ``trades``
is never negative, so the marker cannot be a count).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.timeframe import EPOCH, Timeframe

#: ``trades`` of a bar whose number of trades is unknown.
UNKNOWN_TRADES = -1
#: The arrays of :class:`BarColumns`, in :class:`Bar` order.
COLUMNS = ("start_ns", "open", "high", "low", "close", "volume", "vwap", "trades")
_T = TypeVar("_T", int, float)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class BarColumns:
    """The bars of one series, sorted by start, as parallel arrays of equal length."""

    symbol: str
    timeframe: Timeframe
    #: Starts as nanoseconds since the UTC epoch (``'q'``, int64).
    start_ns: array[int]
    open: array[float]
    high: array[float]
    low: array[float]
    close: array[float]
    volume: array[float]
    #: NaN where unknown.
    vwap: array[float]
    #: :data:`UNKNOWN_TRADES` where unknown (``'q'``, int64).
    trades: array[int]

    def __post_init__(self) -> None:
        n = len(self.start_ns)
        if not (
            len(self.open) == len(self.high) == len(self.low) == len(self.close)
            == len(self.volume) == len(self.vwap) == len(self.trades) == n
        ):  # fmt: skip
            lengths = {len(column) for column in self.arrays()}
            raise ValueError(f"bar columns of unequal lengths {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.start_ns)

    def arrays(self) -> tuple[array[int] | array[float], ...]:
        """The arrays, in :data:`COLUMNS` order."""
        return tuple(getattr(self, name) for name in COLUMNS)

    @classmethod
    def empty(cls, symbol: str, timeframe: Timeframe) -> BarColumns:
        return cls.from_bars(symbol, timeframe, ())

    @classmethod
    def from_bars(cls, symbol: str, timeframe: Timeframe, bars: Iterable[Bar]) -> BarColumns:
        """Columns of ``bars`` (sorted by start): for roll-ups and the memory store,
        whose bars are objects already."""
        rows = list(bars)
        nan = math.nan
        return cls(
            symbol,
            timeframe,
            array("q", [nanoseconds(bar.start) for bar in rows]),
            array("d", [bar.open for bar in rows]),
            array("d", [bar.high for bar in rows]),
            array("d", [bar.low for bar in rows]),
            array("d", [bar.close for bar in rows]),
            array("d", [bar.volume for bar in rows]),
            array("d", [nan if bar.vwap is None else bar.vwap for bar in rows]),
            array("q", [UNKNOWN_TRADES if bar.trades is None else bar.trades for bar in rows]),
        )

    def inside(self, windows: Sequence[Interval]) -> BarColumns:
        """The bars starting inside ``windows`` (sorted, disjoint): two binary searches
        and one slice per window, never a test per bar."""
        starts = self.start_ns
        spans = [
            (bisect_left(starts, nanoseconds(w.start)), bisect_left(starts, nanoseconds(w.end)))
            for w in windows
        ]
        if spans == [(0, len(starts))]:
            return self
        return BarColumns(
            self.symbol,
            self.timeframe,
            _take(self.start_ns, spans),
            _take(self.open, spans),
            _take(self.high, spans),
            _take(self.low, spans),
            _take(self.close, spans),
            _take(self.volume, spans),
            _take(self.vwap, spans),
            _take(self.trades, spans),
        )

    def to_bars(self) -> list[Bar]:
        """The bars as objects again (for ingestion and tests, not for a hot path)."""
        symbol, timeframe = self.symbol, self.timeframe
        known_vwap, known_trades = _known_vwap, _known_trades
        return [
            Bar(symbol, timeframe, _instant(ns), o, h, lo, c, v, known_vwap(vw), known_trades(n))
            for ns, o, h, lo, c, v, vw, n in zip(*self.arrays(), strict=True)
        ]


def _take(column: array[_T], spans: Sequence[tuple[int, int]]) -> array[_T]:
    kept = column[:0]
    for lo, hi in spans:
        kept += column[lo:hi]
    return kept


def _known_vwap(vwap: float) -> float | None:
    return None if math.isnan(vwap) else vwap


def _known_trades(trades: int) -> int | None:
    return None if trades == UNKNOWN_TRADES else trades


def nanoseconds(moment: datetime) -> int:
    """``moment`` as nanoseconds since the UTC epoch (a ``start_ns`` value)."""
    return (moment - EPOCH) // _MICROSECOND * 1000


def _instant(ns: int) -> datetime:
    return EPOCH + timedelta(microseconds=ns // 1000)
