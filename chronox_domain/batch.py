"""A batch of bars and the coverage it proves: what a repository writes in one
transaction and a publisher announces once it committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class BarBatch:
    """Bars of one (symbol, timeframe) and the coverage they prove, written together."""

    symbol: str
    timeframe: Timeframe
    bars: Sequence[Bar]
    source: str
    #: Bars starting at or after this moment are provisional (None: all final).
    provisional_from: datetime | None
    coverage: Sequence[CoverageSpan] = field(default_factory=tuple)
    #: Windows whose stored bars of the series this batch replaces: a stored bar inside
    #: one that the batch does not carry is deleted, in the same transaction (a
    #: republished day file that dropped a minute leaves a hole there, not the old bar).
    replaces: Sequence[Interval] = field(default_factory=tuple)

    def is_provisional(self, bar: Bar) -> bool:
        return self.provisional_from is not None and bar.start >= self.provisional_from


@dataclass(frozen=True, slots=True)
class ColumnBatch:
    """Final bars of one series as columns, and the windows they replace: what a bulk
    load (a whole-market day file) writes without an object per bar.

    Written as a :class:`BarBatch` of the same bars (all final), source and
    ``replaces`` would be, without coverage: a bulk load records its coverage once its
    bars are in (bars without coverage are a gap the next run reads again; coverage
    without its bars would be a lie)."""

    columns: BarColumns
    source: str
    replaces: Sequence[Interval] = field(default_factory=tuple)

    @property
    def symbol(self) -> str:
        return self.columns.symbol

    @property
    def timeframe(self) -> Timeframe:
        return self.columns.timeframe

    def as_bar_batch(self) -> BarBatch:
        """The same write as a :class:`BarBatch` (an object per bar: for stores and
        paths that have no bulk form)."""
        return BarBatch(
            self.symbol, self.timeframe, self.columns.to_bars(), self.source, None,
            replaces=self.replaces,
        )  # fmt: skip


def without_replaced(batches: Sequence[BarBatch]) -> list[BarBatch]:
    """``batches`` less the bars that a later batch of their series replaces (inside one
    of its ``replaces``, carried by neither it nor any batch after it): what sequential
    writes would leave of them. A store that writes many batches at once applies every
    replacement to the stored bars only, then writes these."""
    series: dict[tuple[str, Timeframe], list[int]] = {}
    for index, batch in enumerate(batches):
        series.setdefault((batch.symbol, batch.timeframe), []).append(index)
    pruned = list(batches)
    for indexes in series.values():
        if len(indexes) < 2 or not any(batches[i].replaces for i in indexes[1:]):
            continue  # the common case: one batch a series
        carried: set[datetime] = set()  # the starts of the batches after the one at hand
        killers: list[tuple[Sequence[Interval], frozenset[datetime]]] = []
        for i in reversed(indexes):
            batch = batches[i]
            kept = [bar for bar in batch.bars if not _killed(bar.start, killers)]
            if len(kept) != len(batch.bars):
                pruned[i] = replace(batch, bars=kept)
            carried.update(bar.start for bar in batch.bars)
            if batch.replaces:
                killers.append((batch.replaces, frozenset(carried)))
    return pruned


def _killed(start: datetime, killers: list[tuple[Sequence[Interval], frozenset[datetime]]]) -> bool:
    return any(
        start not in carried and any(window.contains(start) for window in windows)
        for windows, carried in killers
    )
