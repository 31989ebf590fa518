"""Exporting stored bars to a dataset of files, one per (timeframe, symbol, year), and
on a re-run only the partitions whose content changed.

"Changed" is decided by a fingerprint of what a partition holds, not by timestamps or
row counts alone: the ledger's spans inside the year (a window newly covered, a
provisional span turned final, an empty answer confirmed), the number of bars, and a
digest of the bars' columns themselves (a ``--refetch`` can correct prices under an
unchanged ledger). Reading a year of columns costs a fraction of writing its file, so
every partition of the range is read and only the changed ones written.

What the dataset remembers is not trusted alone: before a partition is left as it is,
the dataset checks its file on disk against the manifest (rows and checksum), and one
missing, truncated or replaced is written again and reported *repaired*. Nothing is
written until the dataset has proved the directory is its own, or new or empty
(``BarDataset.claim``); files in it that are not its own are reported, never counted.

A partition always holds every stored bar of its year, whatever the range asked: the
range picks which years to export, never cuts a file short. An export with nothing at
all to write is refused (``NotFound``): a mistyped symbol or a range before the first
ingest would otherwise look like an up-to-date dataset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chronox_domain.coverage import CoverageSpan
from chronox_domain.errors import InvalidRange, NotFound
from chronox_domain.interval import Interval
from chronox_domain.ports import BarDataset, MarketDataRepository
from chronox_domain.ranges import Bound
from chronox_domain.services.bars import BarsService, BarTable
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe

#: Bumped when the files' layout or schema changes: every partition is written again.
DATASET_FORMAT = 1

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Partition:
    timeframe: Timeframe
    symbol: str
    year: int

    @property
    def key(self) -> str:
        """The partition's directory, Hive-style: what DuckDB, polars and pyarrow read
        back as the columns timeframe, symbol and year."""
        return f"timeframe={self.timeframe.value}/symbol={self.symbol}/year={self.year}"

    @property
    def window(self) -> Interval:
        return Interval(
            datetime(self.year, 1, 1, tzinfo=UTC), datetime(self.year + 1, 1, 1, tzinfo=UTC)
        )


@dataclass(frozen=True, slots=True)
class PartitionExport:
    key: str
    rows: int
    #: False: the file on disk already held exactly this (nothing written).
    written: bool
    #: Why the file on disk was not what the manifest recorded (it was written again);
    #: None when it was whole.
    repaired: str | None = None


@dataclass(slots=True)
class ExportReport:
    partitions: list[PartitionExport] = field(default_factory=list)
    #: Symbols asked for that have nothing ingested in the range (no partition).
    skipped: list[str] = field(default_factory=list)
    #: Some exported bars are synthetic demo data.
    demo: bool = False
    #: Files in the dataset's directory that are not its own, but that a reader of the
    #: dataset would pick up with it (relative paths): counted nowhere, left in place.
    foreign: list[str] = field(default_factory=list)

    @property
    def repaired(self) -> list[PartitionExport]:
        return [p for p in self.partitions if p.repaired is not None]

    @property
    def written(self) -> int:
        return sum(1 for p in self.partitions if p.written)

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.partitions if not p.written)

    @property
    def rows_written(self) -> int:
        return sum(p.rows for p in self.partitions if p.written)


class ExportService:
    def __init__(self, bars: BarsService, repository: MarketDataRepository) -> None:
        self._bars = bars
        self._repository = repository

    def partitions(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> list[Partition]:
        """The partitions of ``symbols`` that the ledger has anything for, in the years
        the range touches; a bound left out is the ledger's first or last covered moment
        (no range: every covered year)."""
        found = []
        for symbol in dict.fromkeys(parse_symbol(s) for s in symbols):
            spans = self._ledger(symbol, timeframe)
            window = self._window(spans, timeframe, start, end)
            if window is None:
                continue
            years: set[int] = set()
            for span in spans:
                first = max(span.interval.start, window.start)
                last = min(span.interval.end, window.end)
                if first < last:
                    years.update(range(first.year, _last_year(last) + 1))
            found += [Partition(timeframe, symbol, year) for year in sorted(years)]
        return found

    def _window(
        self,
        spans: Sequence[CoverageSpan],
        timeframe: Timeframe,
        start: Bound | None,
        end: Bound | None,
    ) -> Interval | None:
        """The asked range; None when the ledger has nothing in it. A range the user gave
        whole is resolved as every command resolves one (its errors are theirs); one
        completed from the ledger that ends up empty just has nothing to export."""
        if not spans:
            return None
        if start is not None and end is not None:
            return self._bars.window(timeframe, start, end)
        lo = start if start is not None else spans[0].interval.start
        hi = end if end is not None else max(span.interval.end for span in spans)
        try:
            return self._bars.window(timeframe, lo, hi)
        except InvalidRange:
            return None

    def export(
        self,
        dataset: BarDataset,
        symbols: Sequence[str],
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        progress: Progress | None = None,
    ) -> ExportReport:
        """Write the partitions whose fingerprint differs from the one the dataset
        recorded, or whose file on disk is not the one recorded (repaired); leave the
        others untouched. Raises ``NotFound`` when none of ``symbols`` has anything
        ingested in the range, and the dataset's ``InvalidInput`` when its directory is
        not one to write in (before anything is written)."""
        named = list(dict.fromkeys(parse_symbol(s) for s in symbols))
        planned = self.partitions(named, timeframe, start, end)
        if not planned:
            raise NotFound(
                f"nothing to export: no {timeframe} bars of {', '.join(named)} "
                "were ingested in this range"
            )
        dataset.claim()
        exported = {partition.symbol for partition in planned}
        report = ExportReport(skipped=[symbol for symbol in named if symbol not in exported])
        recorded = dataset.recorded()
        for done, partition in enumerate(planned, start=1):
            window = partition.window
            table = self._bars.table(partition.symbol, timeframe, window.start, window.end)
            report.demo = report.demo or table.provenance.demo
            fingerprint = self._fingerprint(partition, table)
            known = recorded.get(partition.key)
            damage = None if known is None else dataset.verify(partition.key)
            changed = damage is not None or known != fingerprint
            if changed:
                dataset.write(partition.key, table.columns, fingerprint)
            report.partitions.append(
                PartitionExport(partition.key, len(table.columns), changed, damage)
            )
            if progress is not None:
                progress(done, len(planned))
        report.foreign = dataset.foreign()
        return report

    def _ledger(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        """The spans the bars of (symbol, timeframe) come from: those of the 1m bars when
        the timeframe is rolled up from them."""
        derived = self._bars.provenance(symbol, timeframe).derived
        return self._repository.coverage(symbol, Timeframe.M1 if derived else timeframe)

    def _fingerprint(self, partition: Partition, table: BarTable) -> str:
        digest = hashlib.sha256(f"chronox-dataset/{DATASET_FORMAT}/{partition.key}".encode())
        window = partition.window
        for span in self._ledger(partition.symbol, partition.timeframe):
            first, last = max(span.interval.start, window.start), min(span.interval.end, window.end)
            if first < last:
                answered = "" if span.answered_at is None else iso_utc(span.answered_at)
                digest.update(
                    f"|{iso_utc(first)},{iso_utc(last)},{span.status.value},{span.source},"
                    f"{answered}".encode()
                )
        columns = table.columns
        digest.update(f"|rows={len(columns)}|derived={table.provenance.derived}".encode())
        for column in columns.arrays():  # the buffers themselves, not copies
            digest.update(column)
        return digest.hexdigest()


def _last_year(end: datetime) -> int:
    """The year of the last instant before ``end`` (exclusive): a span ending at
    midnight on 1 January lies wholly in the year before."""
    return (
        end.year - 1
        if (end.month, end.day, end.time()) == (1, 1, datetime.min.time())
        else end.year
    )
