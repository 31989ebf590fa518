"""``ingest --all -t 1d`` from the vendor's REST: one grouped daily request per session
for the whole market (see :mod:`chronox_domain.grouped` for what an answer proves).

The range's settled sessions are asked, a date at a time; weekends and holidays are not
sessions, so never asked. A date is asked once: the dates answered whole are kept in
the ledger of :data:`MARKET_LEDGER` (the series ``--all`` of the day files keeps too, so
a date read whole from either is never asked again). Each ticker of an answer gets its
bar and the date's daily slot, final, in the same write as the market ledger's date
(one transaction across symbols, ``write_many``); a rejected bar's
ticker gets neither. A session answered with no bar at all is not believed (the whole
market does not skip a session: the vendor has not published it yet): it stays a gap,
is reported, and is asked again next run, as is a date the vendor refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date

from chronox_domain.bar import Bar, split_valid
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.dayfiles import RAW_BASIS
from chronox_domain.errors import WindowRefused
from chronox_domain.grouped import MarketDaySource
from chronox_domain.interval import Interval, intersect, normalize
from chronox_domain.ports import MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.flatfiles import MARKET_LEDGER
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

#: Called after each date with (dates done, dates planned).
DayProgress = Callable[[int, int], None]
#: How many reasons a report keeps verbatim (the rest are only counted).
_REASONS_KEPT = 20


@dataclass(frozen=True, slots=True)
class GroupedRequest:
    start: Bound | None = None
    end: Bound | None = None
    #: Ask every session of the range again, ignoring the market ledger.
    refetch: bool = False


@dataclass(frozen=True, slots=True)
class DateRefusal:
    """A session the vendor did not answer with bars, in its own words."""

    day: date
    reason: str


@dataclass(slots=True)
class GroupedReport:
    """What a grouped daily run did; its ``int`` fields are its counters."""

    source: str
    requests: int = 0
    #: Sessions answered whole (every ticker's bar written).
    days_read: int = 0
    #: Sessions of the range read whole before: not asked.
    days_skipped: int = 0
    #: Sessions refused, or answered with no bar at all: gaps, asked again next run.
    days_refused: int = 0
    bars_written: int = 0
    bars_rejected: int = 0
    #: Tickers answered twice for one date with different bars: left uncovered.
    tickers_conflicted: int = 0
    tickers: set[str] = field(default_factory=set)
    refusals: list[DateRefusal] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

    @staticmethod
    def counter_names() -> tuple[str, ...]:
        return _COUNTERS

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _COUNTERS}

    def reject(self, reason: str, count: int = 1) -> None:
        self.bars_rejected += count
        if len(self.rejections) < _REASONS_KEPT:
            self.rejections.append(reason)


_COUNTERS = tuple(f.name for f in fields(GroupedReport) if f.type == "int")


class GroupedDailyService:
    """Closes the whole market's daily gaps of a range, one request per session."""

    def __init__(
        self,
        repository: MarketDataRepository,
        source: MarketDaySource,
        coverage: CoverageService,
        calendar: TradingCalendar,
    ) -> None:
        self._repository = repository
        self._source = source
        self._coverage = coverage
        self._calendar = calendar

    def ingest(self, request: GroupedRequest, progress: DayProgress | None = None) -> GroupedReport:
        report = GroupedReport(source=self._source.name)
        sessions = self._to_ask(request, report)
        for done, session in enumerate(sessions, 1):
            self._day(session, report)
            if progress is not None:
                progress(done, len(sessions))
        return report

    def _to_ask(self, request: GroupedRequest, report: GroupedReport) -> list[Session]:
        """The settled sessions of the range not yet read whole, by date."""
        resolved = resolve_range(
            self._calendar,
            SessionKind.RTH,
            Timeframe.D1,
            request.start,
            request.end,
            self._coverage.now(),
        )
        horizon = self._coverage.horizon(Timeframe.D1)
        settled = [s for s in resolved.sessions if slot_window(s, Timeframe.D1).end <= horizon]
        read = [] if request.refetch else self._read_whole()
        asked = [s for s in settled if not _inside(slot_window(s, Timeframe.D1), read)]
        report.days_skipped = len(settled) - len(asked)
        return asked

    def _read_whole(self) -> list[Interval]:
        # The repository itself: the ledger key is no ticker (CoverageService checks one).
        spans = self._repository.coverage(MARKET_LEDGER, Timeframe.D1)
        return normalize(
            span.interval
            for span in spans
            if span.status is CoverageStatus.FINAL and span.source in RAW_BASIS
        )

    def _day(self, session: Session, report: GroupedReport) -> None:
        report.requests += 1
        try:
            answer = self._source.market_day(session.date)
        except WindowRefused as refused:
            _refused(report, session.date, str(refused))
            return
        for reason in answer.unreadable:
            report.reject(reason)
        if not answer.bars:
            _refused(report, session.date, "the vendor answered no bar at all for this session")
            return
        bars = _one_per_ticker(answer.bars, report)
        valid, rejected = split_valid(bars)
        for rejection in rejected:
            report.reject(f"{rejection.bar.symbol} {session.date}: {rejection.reason}")
        name = self._source.name
        window = slot_window(session, Timeframe.D1)
        final = (CoverageSpan(window, CoverageStatus.FINAL, name),)
        batches = [BarBatch(bar.symbol, Timeframe.D1, [bar], name, None, final) for bar in valid]
        batches.append(BarBatch(MARKET_LEDGER, Timeframe.D1, (), name, None, final))
        # One transaction: every ticker's bar and slot, and the date read whole.
        report.bars_written += self._repository.write_many(batches)
        report.days_read += 1
        report.tickers.update(bar.symbol for bar in valid)


def _one_per_ticker(bars: list[Bar], report: GroupedReport) -> list[Bar]:
    """Each ticker's bar once: an identical repeat counts once; two different bars for
    one ticker and date leave it out (which is right cannot be told)."""
    kept: dict[str, Bar] = {}
    conflicted: set[str] = set()
    for bar in bars:
        seen = kept.setdefault(bar.symbol, bar)
        if seen != bar:
            conflicted.add(bar.symbol)
    for ticker in sorted(conflicted):
        del kept[ticker]
        report.tickers_conflicted += 1
        report.reject(f"{ticker} {bars[0].start.date()}: answered twice with different bars")
    return list(kept.values())


def _inside(window: Interval, covered: list[Interval]) -> bool:
    return intersect([window], covered) == [window]


def _refused(report: GroupedReport, day: date, reason: str) -> None:
    report.days_refused += 1
    if len(report.refusals) < _REASONS_KEPT:
        report.refusals.append(DateRefusal(day, reason))
