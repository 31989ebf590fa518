"""A dictionary-backed bar store and coverage ledger."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime

from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan, merge_spans
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

_Key = tuple[str, Timeframe]


class MemoryRepository:
    """Honours the ``MarketDataRepository`` contract, including all-or-nothing writes."""

    def __init__(self) -> None:
        self._bars: dict[_Key, dict[datetime, tuple[Bar, str, bool]]] = {}
        self._coverage: dict[_Key, list[CoverageSpan]] = {}
        self.writes = 0

    def write(self, batch: BarBatch) -> int:
        key = (batch.symbol, batch.timeframe)
        # Compute everything first, then swap in: a failure leaves the store untouched.
        coverage = merge_spans(self._coverage.get(key, []), list(batch.coverage))
        rows = dict(self._bars.get(key, {}))
        for bar in batch.bars:
            provisional = batch.is_provisional(bar)
            held = rows.get(bar.start)
            if held is not None and provisional and not held[2]:
                continue  # a provisional bar never replaces a final one
            rows[bar.start] = (bar, batch.source, provisional)
        self._bars[key] = rows
        self._coverage[key] = coverage
        self.writes += 1
        return len(batch.bars)

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> Iterator[Bar]:
        rows = self._bars.get((symbol, timeframe), {})
        starts = self.bar_starts(symbol, timeframe, window)
        return iter([rows[start][0] for start in starts])

    def bar_columns(self, symbol: str, timeframe: Timeframe, window: Interval) -> BarColumns:
        return BarColumns.from_bars(symbol, timeframe, self.bars(symbol, timeframe, window))

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        starts = sorted(self._bars.get((symbol, timeframe), {}))
        lo = bisect_left(starts, window.start)
        hi = bisect_left(starts, window.end)
        return starts[lo:hi]

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        return list(self._coverage.get((symbol, timeframe), []))

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        return {span.source for span in self._coverage.get((symbol, timeframe), [])}

    def counts(self) -> dict[str, int]:
        return {
            "bars": sum(len(rows) for rows in self._bars.values()),
            "series": len(self._bars),
            "coverage_spans": sum(len(spans) for spans in self._coverage.values()),
        }

    def close(self) -> None:
        """Nothing to release; present so every store closes the same way."""
