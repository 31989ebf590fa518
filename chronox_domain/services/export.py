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

Prices are on one basis (``none``, ``splits``, ``all``: chronox_domain/adjust.py), read
through :class:`BarsService` as every read is, and a dataset never mixes two: the
dataset is made for one basis and refuses an export on another (``BarDataset.claim``).
An adjusted partition changes when a split or dividend arrives though its stored bars
did not, so its fingerprint also holds the basis and every action the basis adjusts it
with: those dated after its first bar's session (an action re-prices every session
before its date, none on or after it). A new split therefore rewrites exactly the
symbol's partitions holding a session before it; the basis ``none`` depends on no
action.

A partition always holds every stored bar of its year, whatever the range asked: the
range picks which years to export, never cuts a file short. An export with nothing at
all to write is refused (``NotFound``): a mistyped symbol or a range before the first
ingest would otherwise look like an up-to-date dataset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from chronox_domain.actions import DEFAULT_BASIS, CorporateActions, PriceBasis
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan
from chronox_domain.errors import InvalidRange, NotFound
from chronox_domain.interval import Interval
from chronox_domain.ports import (
    BarDataset,
    CorporateActionStore,
    MarketDataRepository,
    TradingCalendar,
)
from chronox_domain.ranges import Bound
from chronox_domain.services.bars import BarsService, BarTable
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import EPOCH, Timeframe

#: Bumped when the files' layout or schema changes: every partition is written again.
#: 2: each file names its price basis in its metadata.
DATASET_FORMAT = 2

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
    #: The price basis of every exported bar (the dataset's).
    basis: PriceBasis = DEFAULT_BASIS
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
    def __init__(
        self,
        bars: BarsService,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        actions: CorporateActionStore | None = None,
    ) -> None:
        """``actions``: the store ``bars`` adjusts with (None: none, as for ``bars``);
        ``calendar``: the one ``bars`` reads sessions on."""
        self._bars = bars
        self._repository = repository
        self._timezone = calendar.timezone
        self._actions = actions

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
        basis: PriceBasis = DEFAULT_BASIS,
    ) -> ExportReport:
        """Write the partitions whose fingerprint differs from the one the dataset
        recorded, or whose file on disk is not the one recorded (repaired); leave the
        others untouched. Prices are on ``basis``, which must be the dataset's own.
        Raises ``NotFound`` when none of ``symbols`` has anything ingested in the range,
        and the dataset's ``InvalidInput`` when its directory is not one to write in, or
        holds a dataset on another basis (before anything is written)."""
        named = list(dict.fromkeys(parse_symbol(s) for s in symbols))
        planned = self.partitions(named, timeframe, start, end)
        if not planned:
            raise NotFound(
                f"nothing to export: no {timeframe} bars of {', '.join(named)} "
                "were ingested in this range"
            )
        dataset.claim()
        exported = {partition.symbol for partition in planned}
        report = ExportReport(
            basis=basis, skipped=[symbol for symbol in named if symbol not in exported]
        )
        recorded = dataset.recorded()
        actions: dict[str, CorporateActions] = {}
        for done, partition in enumerate(planned, start=1):
            window = partition.window
            symbol = partition.symbol
            if symbol not in actions:  # read once per symbol, before its bars
                actions[symbol] = self._symbol_actions(symbol, basis)
            table = self._bars.table(symbol, timeframe, window.start, window.end, basis=basis)
            report.demo = report.demo or table.provenance.demo
            fingerprint = self._fingerprint(partition, table, actions[symbol])
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

    def _symbol_actions(self, symbol: str, basis: PriceBasis) -> CorporateActions:
        """The actions ``symbol``'s bars are adjusted with on ``basis`` (none on the
        basis ``none``, or without an action store)."""
        if basis is PriceBasis.NONE or self._actions is None:
            return CorporateActions.unknown(symbol)
        return self._bars.actions_in_effect(symbol)

    def _fingerprint(self, partition: Partition, table: BarTable, actions: CorporateActions) -> str:
        digest = hashlib.sha256(f"chronox-dataset/{DATASET_FORMAT}/{partition.key}".encode())
        digest.update(f"|basis={table.basis.value}".encode())
        first = _first_session(table.columns, self._timezone)
        if first is not None:
            for action in _adjusting(actions, table.basis, first):
                digest.update(f"|{action}".encode())
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


def _first_session(columns: BarColumns, timezone: tzinfo) -> date | None:
    """The session date of the first bar (None: no bar), as chronox_domain/adjust.py
    dates a bar: a daily bar is stamped with its session date, an intraday bar's is its
    start's date on the exchange's clock (``timezone``)."""
    if not len(columns):
        return None
    start = EPOCH + timedelta(microseconds=columns.start_ns[0] // 1000)
    return start.date() if columns.timeframe is Timeframe.D1 else start.astimezone(timezone).date()


def _adjusting(actions: CorporateActions, basis: PriceBasis, first: date) -> list[str]:
    """What ``basis`` adjusts a partition whose first session is ``first`` with: each
    action dated after it (an action re-prices the sessions before its date; a bar on
    it already traded on the new basis), in the fields the adjustment reads (a split's
    date and ratio; a dividend's ex-date, amount and the vendor's factor), not when it
    was fetched: fetching the same actions again changes no partition."""
    if basis is PriceBasis.NONE:
        return []
    adjusting = [
        f"split {s.execution_date.isoformat()} {s.split_from!r}:{s.split_to!r}"
        for s in actions.splits
        if s.execution_date > first
    ]
    if basis is PriceBasis.ALL:
        adjusting += [
            f"dividend {d.ex_dividend_date.isoformat()} {d.cash_amount!r} "
            f"{d.historical_adjustment_factor!r}"
            for d in actions.dividends
            if d.ex_dividend_date > first
        ]
    return adjusting


def _last_year(end: datetime) -> int:
    """The year of the last instant before ``end`` (exclusive): a span ending at
    midnight on 1 January lies wholly in the year before."""
    return (
        end.year - 1
        if (end.month, end.day, end.time()) == (1, 1, datetime.min.time())
        else end.year
    )
