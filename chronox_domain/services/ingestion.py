"""Ingestion: fetch exactly the missing windows, validate, store with their coverage.

Before it plans a bar request, an ingest keeps the corporate actions of its symbols
current (through the one :class:`ActionsService`, so at most once per symbol per New York
day): the listing period they carry keeps the sessions before a listing or from a
delisting out of the plan, and a read right after the ingest is on the basis of today's
actions. A failed sync never blocks the bars: that symbol is planned without its listing
period (every session of the range, as before), and one WARNING line per symbol says so
once the bars are done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from chronox_domain.bar import Bar, split_valid
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus, spans_for_fetch
from chronox_domain.dayfiles import RAW_BASIS
from chronox_domain.errors import SourceMismatch, WindowRefused
from chronox_domain.interval import Interval, IntervalList, intersect, normalize, subtract
from chronox_domain.legacy import LEGACY_SOURCE, RAW_SUCCESSOR
from chronox_domain.metrics import NO_METRICS
from chronox_domain.planning import PlannedRequest
from chronox_domain.ports import (
    BarSource,
    EventPublisher,
    MarketDataRepository,
    Metrics,
)
from chronox_domain.ranges import Bound
from chronox_domain.renames import TickerSpan, plan_by_ticker, ticker_spans
from chronox_domain.services.actions import GIVE_UP_AFTER, ActionsService
from chronox_domain.services.coverage import CoverageService
from chronox_domain.session import SessionKind, exchange_timezone
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

#: Called after each vendor request with (requests done, requests planned).
Progress = Callable[[int, int], None]

#: Called after each vendor request with that request's own report.
Counted = Callable[["IngestReport"], None]

#: How many rejection reasons a report keeps verbatim (the rest are only counted).
_REASONS_KEPT = 20

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestRequest:
    symbols: tuple[str, ...]
    timeframe: Timeframe = Timeframe.M1
    session: SessionKind = SessionKind.RTH
    start: Bound | None = None
    end: Bound | None = None
    #: Fetch the whole range again, ignoring the ledger.
    refetch: bool = False
    #: Allow a source other than the one the ledger recorded for a symbol.
    force: bool = False
    #: Sync the symbols' corporate actions first. False where the caller synced them
    #: already (a backfill syncs all its symbols at once, then ingests them one by one).
    sync_actions: bool = True
    #: Ask a renamed company's history of the ticker that traded then (stored under the
    #: symbol); False: only the literal ticker (so does a registry entry that says so).
    follow_renames: bool = True


@dataclass(frozen=True, slots=True)
class Refusal:
    """A window the source refused (a plan limit), in the source's own words."""

    symbol: str
    timeframe: Timeframe
    window: Interval
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What an ingest did. Its ``int`` fields are its counters, the one definition every
    view of a report derives its counts from (a job's counts, the JSON of the CLI and
    the API, the CLI's text): a counter added here shows up in each of them."""

    source: str
    demo: bool
    bars_written: int = 0
    windows_fetched: int = 0
    #: Windows answered empty a second time: final, never asked again.
    windows_empty: int = 0
    #: Windows answered empty for the first time: asked once more after a delay.
    windows_unconfirmed: int = 0
    #: Windows asked again because their first answer was empty.
    windows_rechecked: int = 0
    #: Windows the source refused (not covered; the rest of the run went on).
    windows_refused: int = 0
    bars_rejected: int = 0
    requests: int = 0
    rejections: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @staticmethod
    def counter_names() -> tuple[str, ...]:
        """The counters, in the order reports show them."""
        return _COUNTERS

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _COUNTERS}

    def add(self, other: IngestReport) -> None:
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        room = _REASONS_KEPT - len(self.rejections)
        self.rejections.extend(other.rejections[: max(room, 0)])
        room = _REASONS_KEPT - len(self.refusals)
        self.refusals.extend(other.refusals[: max(room, 0)])


# ``from __future__ import annotations`` leaves the field types as text.
_COUNTERS = tuple(f.name for f in fields(IngestReport) if f.type == "int")


@dataclass(frozen=True, slots=True)
class SymbolPlan:
    """The vendor calls one symbol needs, and the horizon their coverage is judged by."""

    symbol: str
    requests: list[PlannedRequest]
    horizon: datetime
    #: What this source answered empty only once: an empty answer there now confirms it.
    unconfirmed: IntervalList = field(default_factory=list)


class IngestionService:
    """Closes the gaps of a range from one source, one request at a time.

    Each request's bars and the coverage they prove are written in one transaction,
    so an interrupted run loses at most the request in flight and a rerun picks up
    exactly where it stopped.
    """

    def __init__(
        self,
        repository: MarketDataRepository,
        source: BarSource,
        coverage: CoverageService,
        publisher: EventPublisher | None = None,
        metrics: Metrics = NO_METRICS,
        actions: ActionsService | None = None,
    ) -> None:
        self._repository = repository
        self._source = source
        self._coverage = coverage
        self._publisher = publisher
        self._metrics = metrics
        self._actions = actions
        self._zone = exchange_timezone()

    @property
    def source(self) -> BarSource:
        return self._source

    def plan(self, request: IngestRequest) -> list[SymbolPlan]:
        """Check the request and plan its vendor calls, before anything is fetched."""
        return self._plan(request, self._checked(request))

    def sync_actions(self, symbols: Sequence[str]) -> list[str]:
        """Keep the corporate actions of ``symbols`` current (fetched today already:
        nothing asked); the warnings to log once the bars are done, one per symbol whose
        actions could not be fetched (it is planned without its listing period: the
        bars never wait for its actions). Logged after the bars, not now: when the bar
        requests fail too (the vendor down, the key refused), their error is the one
        line that says it, and a warning before it would only repeat it."""
        if self._actions is None or not self._actions.has_source or not symbols:
            return []
        report = self._actions.sync(symbols)  # the vendor's failures are in the report
        lines = [
            f"the vendor does not know {name}: no corporate actions, and its bars will "
            "be answered empty too"
            for name in report.unknown
        ]
        lines += [
            f"corporate actions of {failure.symbol} not synced ({failure.reason}): {_GO_ON}"
            for failure in report.failed
        ]
        if report.skipped:
            lines.append(
                f"corporate actions of {_listed(report.skipped)} not synced (not tried after "
                f"{GIVE_UP_AFTER} vendor failures in a row): {_GO_ON}"
            )
        return lines

    def _checked(self, request: IngestRequest) -> list[str]:
        """The request's symbols, sorted, once each; refused before anything is asked
        when malformed or stored from another source (unless forced)."""
        symbols = sorted({parse_symbol(s) for s in request.symbols})
        if not request.force:
            for symbol in symbols:
                self._refuse_mixing(symbol, request.timeframe)
        return symbols

    def _plan(self, request: IngestRequest, symbols: list[str]) -> list[SymbolPlan]:
        limit = self._source.request_limit(request.timeframe)
        work: list[SymbolPlan] = []
        for symbol in symbols:
            missing = self._coverage.missing(
                symbol,
                request.timeframe,
                request.session,
                request.start,
                request.end,
                until_now=True,
                refetch=request.refetch,
                rechecks=True,
                follow_renames=request.follow_renames,
            )
            returned = self._coverage.extended(missing, request.session, request.timeframe)
            requests = plan_by_ticker(
                self._ticker_spans(symbol, request, missing.missing, returned),
                missing.missing,
                missing.expected,
                request.timeframe,
                limit.count,
                returned,
                unit=limit.unit,
            )
            waiting = self._coverage.unconfirmed_of(symbol, request.timeframe, self._source.name)
            work.append(SymbolPlan(symbol, requests, missing.horizon, waiting))
        return work

    def _ticker_spans(
        self,
        symbol: str,
        request: IngestRequest,
        gaps: IntervalList,
        returned: IntervalList,
    ) -> list[TickerSpan]:
        """Which vendor ticker answers for each part of the gaps (see renames)."""
        if not gaps:
            return []
        changes = (
            () if self._actions is None else self._actions.renames(symbol, request.follow_renames)
        )
        span = Interval(
            min(gaps[0].start, *(w.start for w in returned[:1])),
            max(gaps[-1].end, *(w.end for w in returned[-1:])),
        )
        return ticker_spans(symbol, changes, span, request.timeframe, self._zone)

    def ingest(
        self,
        request: IngestRequest,
        progress: Progress | None = None,
        counted: Counted | None = None,
    ) -> IngestReport:
        """Fetch and store the gaps of ``request``, one request at a time. After each
        request, ``counted`` hears that request's own report and ``progress`` how many
        are done: a caller can show a long run's counts as they grow."""
        symbols = self._checked(request)
        # Before the gaps are computed: the listing period bounds them.
        unsynced = self.sync_actions(symbols) if request.sync_actions else []
        work = self._plan(request, symbols)
        report = IngestReport(source=self._source.name, demo=self._source.demo)
        total = sum(len(item.requests) for item in work)
        done = 0
        for item in work:
            for planned in item.requests:
                try:
                    part = self._run(item, request.timeframe, planned)
                except WindowRefused as refused:
                    part = self._refused(item.symbol, request.timeframe, planned, refused)
                report.add(part)
                if counted is not None:
                    counted(part)
                done += 1
                if progress is not None:
                    progress(done, total)
        warn_unsynced(unsynced)
        return report

    def _run(self, item: SymbolPlan, timeframe: Timeframe, planned: PlannedRequest) -> IngestReport:
        symbol, horizon, ticker = item.symbol, item.horizon, planned.ticker
        answered_at = self._coverage.now()
        fetched = self._source.fetch(ticker or symbol, timeframe, planned.window)
        inside = _inside(sorted(fetched.bars, key=_start), planned.parts)
        if ticker is not None:
            # The company's bars under an earlier ticker are stored as the symbol's.
            inside = [bar._replace(symbol=symbol) for bar in inside]
        valid, rejected = split_valid(inside)
        vouched = _vouched_parts(planned.parts, fetched.vouched)
        # A rejected bar uncovers its own slot (on the grid, even if it was off it), and
        # nothing else: the next slot's bar stays inside coverage.
        rejected_slots = normalize(
            Interval(slot, slot + timeframe.step)
            for rejection in rejected
            if rejection.bar.start.tzinfo is not None
            for slot in (timeframe.floor(rejection.bar.start),)
        )
        covered = subtract(vouched, rejected_slots)
        # Settled windows without a single bar: the first such answer is only believed
        # after a second one agrees (vendors send empty pages for days that traded).
        empty = [part for part in _empty_parts(vouched, inside) if part.end <= horizon]
        confirmed = intersect(empty, item.unconfirmed)
        first_empty = subtract(normalize(empty), item.unconfirmed)
        name = self._source.name
        coverage = [
            span
            for piece in subtract(covered, first_empty)
            for span in spans_for_fetch(piece, name, horizon, ticker)
        ]
        coverage += [
            CoverageSpan(piece, CoverageStatus.UNCONFIRMED, name, answered_at, ticker)
            for piece in first_empty
        ]
        coverage.sort(key=lambda span: span.interval.start)
        batch = BarBatch(
            symbol=symbol,
            timeframe=timeframe,
            bars=valid,
            source=self._source.name,
            provisional_from=horizon,
            coverage=tuple(coverage),
        )
        written = self._repository.write(batch)
        if self._publisher is not None and valid:
            self._publisher.publish(batch)
        self._metrics.bars_ingested(name, timeframe, written, len(rejected))
        self._metrics.gaps_closed(name, timeframe, _closed_parts(planned.parts, covered))
        return IngestReport(
            source=name,
            demo=self._source.demo,
            bars_written=written,
            bars_rejected=len(rejected),
            windows_fetched=len(planned.parts),
            windows_empty=_count_touching(empty, confirmed),
            windows_unconfirmed=_count_touching(empty, first_empty),
            windows_rechecked=_count_touching(planned.parts, item.unconfirmed),
            requests=1,
            rejections=[
                f"{symbol} {rejection.bar.start.isoformat()}: {rejection.reason}"
                for rejection in rejected[:_REASONS_KEPT]
            ],
        )

    def _refused(
        self, symbol: str, timeframe: Timeframe, planned: PlannedRequest, refused: WindowRefused
    ) -> IngestReport:
        """A refused window stays uncovered; the report says so, in the source's words."""
        return IngestReport(
            source=self._source.name,
            demo=self._source.demo,
            windows_refused=len(planned.parts),
            requests=1,
            refusals=[Refusal(symbol, timeframe, planned.window, str(refused))],
        )

    def _refuse_mixing(self, symbol: str, timeframe: Timeframe) -> None:
        others = self._repository.sources(symbol, timeframe) - {self._source.name}
        if self._source.name == RAW_SUCCESSOR:
            others.discard(LEGACY_SOURCE)  # the same vendor's answers, replaced as re-fetched
        if self._source.name in RAW_BASIS:
            others -= RAW_BASIS  # REST and day files: one vendor, one basis, one series
        if others:
            raise SourceMismatch(symbol, timeframe.value, tuple(sorted(others)), self._source.name)


def warn_unsynced(lines: Sequence[str]) -> None:
    """Log what :meth:`IngestionService.sync_actions` could not sync, a line each."""
    for line in lines:
        log.warning("%s", line)


#: What a failed actions sync means for the ingest that goes on.
_GO_ON = "bars planned without a listing period"


def _listed(symbols: Sequence[str], shown: int = 10) -> str:
    """``A, B, C`` (past ``shown`` names: ``and 12 more``)."""
    more = len(symbols) - shown
    return ", ".join(symbols[:shown]) + (f" and {more} more" if more > 0 else "")


def _start(bar: Bar) -> datetime:
    return bar.start


def _inside(bars: Sequence[Bar], parts: Sequence[Interval]) -> list[Bar]:
    """The bars that start inside one of ``parts`` (both sorted), in one walk."""
    kept: list[Bar] = []
    i = 0
    for bar in bars:
        while i < len(parts) and parts[i].end <= bar.start:
            i += 1
        if i == len(parts):
            break
        if parts[i].start <= bar.start:
            kept.append(bar)
    return kept


def _vouched_parts(parts: Sequence[Interval], vouched: Sequence[Interval]) -> IntervalList:
    """The asked ``parts`` the source answered for (both normalised)."""
    return intersect(parts, vouched)


def _empty_parts(parts: Sequence[Interval], bars: Sequence[Bar]) -> list[Interval]:
    """The ``parts`` (sorted) that received no bar at all (``bars`` sorted), in one walk."""
    empty = []
    i = 0
    for part in parts:
        while i < len(bars) and bars[i].start < part.start:
            i += 1
        if i == len(bars) or bars[i].start >= part.end:
            empty.append(part)
    return empty


def _count_touching(parts: Sequence[Interval], spans: IntervalList) -> int:
    """How many of ``parts`` overlap ``spans``."""
    return sum(1 for part in parts if intersect([part], spans))


def _closed_parts(parts: Sequence[Interval], covered: IntervalList) -> int:
    """How many of ``parts`` (sorted, disjoint) lie wholly inside ``covered``: the gap
    windows this request closed. A part missing a rejected bar's slot stays open."""
    open_parts = 0
    left = subtract(list(parts), covered)
    i = 0
    for part in parts:
        while i < len(left) and left[i].end <= part.start:
            i += 1
        if i < len(left) and left[i].start < part.end:
            open_parts += 1
    return len(parts) - open_parts
