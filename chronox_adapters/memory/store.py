"""A dictionary-backed bar store and coverage ledger."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import datetime

from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch, ColumnBatch
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.errors import StorageUnavailable
from chronox_domain.interval import Interval
from chronox_domain.legacy import LEGACY_BAR_SOURCES, LEGACY_SOURCE, REBASED_SOURCE
from chronox_domain.timeframe import Timeframe

_Key = tuple[str, Timeframe]


class MemoryRepository:
    """Honours the ``MarketDataRepository`` contract, including all-or-nothing writes."""

    def __init__(self, legacy_as_of: datetime | None = None) -> None:
        self._bars: dict[_Key, dict[datetime, tuple[Bar, str, bool]]] = {}
        self._coverage: dict[_Key, list[CoverageSpan]] = {}
        self.writes = 0
        #: As a migrated store's ``legacy_basis`` (tests set it: a memory store is new).
        self.legacy_since = legacy_as_of

    def write(self, batch: BarBatch) -> int:
        return self.write_many([batch])

    def write_many(self, batches: Sequence[BarBatch]) -> int:
        # Compute everything on copies first, then swap in: a failure leaves the store
        # untouched, whichever batch it met.
        rows_of: dict[_Key, dict[datetime, tuple[Bar, str, bool]]] = {}
        coverage_of: dict[_Key, list[CoverageSpan]] = {}
        for batch in batches:
            key = (batch.symbol, batch.timeframe)
            held = coverage_of[key] if key in coverage_of else self._coverage.get(key, [])
            coverage_of[key] = merge_spans(held, list(batch.coverage))
            if key not in rows_of:
                rows_of[key] = dict(self._bars.get(key, {}))
            self._apply(rows_of[key], batch)
        for key, spans in coverage_of.items():
            _check_ledger_key(key, spans)
        self._bars.update(rows_of)
        self._coverage.update(coverage_of)
        self.writes += len(batches)
        return sum(len(batch.bars) for batch in batches)

    #: Writes are dictionary updates: nothing to overlap.
    background_writes = False

    def write_columns(self, batches: Sequence[ColumnBatch]) -> int:
        # A batch without bars or windows is no write (and no ledger key either).
        return self.write_many([b.as_bar_batch() for b in batches if b.columns or b.replaces])

    def _apply(self, rows: dict[datetime, tuple[Bar, str, bool]], batch: BarBatch) -> None:
        for bar in batch.bars:
            provisional = batch.is_provisional(bar)
            held = rows.get(bar.start)
            if held is not None and provisional and not held[2]:
                continue  # a provisional bar never replaces a final one
            rows[bar.start] = (bar, batch.source, provisional)
        carried = {bar.start for bar in batch.bars}
        if batch.replaces:
            _drop_unreplaced(rows, batch.replaces, carried, legacy_only=False)
        if self.legacy_since is not None:  # a store that never held legacy rows skips this
            # The final spans the raw vendor has just answered replace the legacy rows.
            final = [s.interval for s in batch.coverage if s.status is CoverageStatus.FINAL]
            _drop_unreplaced(rows, final, carried, legacy_only=True)

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

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        return {
            symbol: [
                span
                for span in self._coverage.get((symbol, timeframe), [])
                if span.interval.overlaps(window)
            ]
            for symbol in symbols
        }

    def bar_starts_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> Iterator[tuple[str, list[datetime]]]:
        for symbol in dict.fromkeys(symbols):
            starts = self.bar_starts(symbol, timeframe, window)
            if starts:
                yield symbol, starts

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for symbol in dict.fromkeys(symbols):
            starts = sorted(self._bars.get((symbol, timeframe), {}))
            if starts:
                found[symbol] = [
                    bisect_left(starts, w.end) - bisect_left(starts, w.start) for w in windows
                ]
        return found

    def counts(self) -> dict[str, int]:
        return {
            "bars": sum(len(rows) for rows in self._bars.values()),
            "series": len(self._bars),
            "coverage_spans": sum(len(spans) for spans in self._coverage.values()),
        }

    def legacy_as_of(self) -> datetime | None:
        return self.legacy_since

    def has_legacy(self, symbol: str) -> bool:
        return any(
            source == LEGACY_SOURCE
            for (held, _), rows in self._bars.items()
            if held == symbol
            for _, source, _ in rows.values()
        )

    def legacy_columns(self, symbol: str, timeframe: Timeframe) -> BarColumns:
        rows = self._bars.get((symbol, timeframe), {})
        legacy = [rows[start][0] for start in sorted(rows) if rows[start][1] == LEGACY_SOURCE]
        return BarColumns.from_bars(symbol, timeframe, legacy)

    def rebase(self, symbol: str, timeframe: Timeframe, columns: BarColumns) -> int:
        rows = dict(self._bars.get((symbol, timeframe), {}))
        done = 0
        for bar in columns.to_bars():
            held = rows.get(bar.start)
            if held is not None and held[1] == LEGACY_SOURCE:
                rows[bar.start] = (bar, REBASED_SOURCE, held[2])
                done += 1
        self._bars[(symbol, timeframe)] = rows
        return done

    def close(self) -> None:
        """Nothing to release; present so every store closes the same way."""


def _check_ledger_key(key: _Key, spans: Sequence[CoverageSpan]) -> None:
    """Refuse what the databases' ledger key refuses: two spans of one series with the
    same start, status and source (two day files vouching for one span in one batch)."""
    seen: set[tuple[datetime, CoverageStatus, str]] = set()
    for span in spans:
        slot = (span.interval.start, span.status, span.source)
        if slot in seen:
            symbol, timeframe = key
            raise StorageUnavailable(
                f"writing to the memory store failed: two {span.status} spans of "
                f"{symbol} {timeframe.value} from {span.source} start at "
                f"{span.interval.start.isoformat()}"
            )
        seen.add(slot)


def _drop_unreplaced(
    rows: dict[datetime, tuple[Bar, str, bool]],
    windows: Sequence[Interval],
    carried: set[datetime],
    *,
    legacy_only: bool,
) -> None:
    """Delete the rows inside ``windows`` that the batch did not carry (``carried``):
    slots its answer had no bar for. ``legacy_only``: only the previous release's rows
    (a raw answer replaces those, and is not asked to vouch for the others)."""
    for start in [
        start
        for start, (_, source, _) in rows.items()
        if start not in carried
        and (not legacy_only or source in LEGACY_BAR_SOURCES)
        and any(window.contains(start) for window in windows)
    ]:
        del rows[start]
