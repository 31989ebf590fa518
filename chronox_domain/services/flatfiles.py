"""Whole-market ingest from day files: planned by day across symbols.

The gap windows of every asked symbol (its listing period respected) are grouped by
session. For each settled session that some symbol lacks, or that some symbol holds from
a file, the day's file is looked up (HEAD, cheap): when every symbol that needs the day
already holds it vouched by this very ETag, nothing is downloaded; otherwise the file is
read once, streamed, and every asked ticker's share of it is written, a batch across
symbols at a time, as columns (:meth:`MarketDataRepository.write_columns`, beside the
parsing where the store allows: :mod:`.bulk_writes`). What the file proves is
:mod:`chronox_domain.flatfile_day`'s rule; an asked ticker the file does not hold had no
trades that day (the file is the whole market): confirmed empty at once, final.

Bars are written first, the day's coverage last (one write across its symbols): a run
interrupted in the middle of a file leaves bars without coverage, which is a gap the
next run reads again, never coverage without its bars. Every write of a ticker's share
of a file replaces (``BarBatch.replaces``) the stored bars of what the file vouches for:
a republished file (another ETag than the ledger's), read again for the symbols it
vouched for, leaves a hole where it dropped a minute, not the old bar. A day whose file
is not there (403/404) stays a gap, is reported in the vendor's words and is asked
again next run; the rest of the run goes on.

``everything`` (``ingest --all``) asks every ticker of each file. Which files were read
whole, with which ETag, is kept in the ledger of :data:`MARKET_LEDGER`, a series no
ticker can be (the leading ``*`` is not a ticker character): it is what makes a re-run
of ``--all`` download nothing that did not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from chronox_domain.batch import BarBatch, ColumnBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.dayfiles import (
    FLATFILES,
    RAW_BASIS,
    DayFile,
    DayFileKind,
    DayFileMissing,
    DayFiles,
)
from chronox_domain.errors import InvalidSymbol, SourceMismatch
from chronox_domain.flatfile_day import TickerDay, ticker_day
from chronox_domain.interval import Interval, IntervalList, intersect
from chronox_domain.legacy import LEGACY_SOURCE
from chronox_domain.ports import MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.services.bulk_writes import BulkWrites
from chronox_domain.services.coverage import CoverageService
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

#: The ledger series that records the day files ``--all`` read whole (see the module).
MARKET_LEDGER = "*market"
#: Bars of a day's first bulk write (one transaction across symbols), doubled at each
#: write up to ``BATCH_BARS``: the store starts on the file's first tickers at once,
#: then takes few, large transactions. At most two batches are in memory (one written,
#: one filled): about 13 MB of columns each.
FIRST_BATCH_BARS = 12_500
BATCH_BARS = 200_000
#: How many reasons a report keeps verbatim (the rest are only counted).
_REASONS_KEPT = 20

#: Called after each day with (days done, days planned).
DayProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class FlatFilesRequest:
    symbols: tuple[str, ...] = ()
    timeframe: Timeframe = Timeframe.M1
    start: Bound | None = None
    end: Bound | None = None
    #: Every ticker of each day's file (``symbols`` is ignored).
    everything: bool = False
    #: Read every day of the range again, ignoring the ledger.
    refetch: bool = False
    #: Allow mixing into a series stored from another basis (synthetic, files).
    force: bool = False


@dataclass(frozen=True, slots=True)
class DayRefusal:
    """A day whose file the source did not give, in its own words."""

    day: date
    reason: str


@dataclass(slots=True)
class FlatFilesReport:
    """What a day-file ingest did; its ``int`` fields are its counters."""

    source: str
    days_read: int = 0
    #: Days whose file every asked symbol already held, vouched by its current ETag.
    days_skipped_unchanged: int = 0
    #: Days read again because their file was republished (another ETag).
    days_republished: int = 0
    #: Days whose file is not there (403/404): still gaps, asked again next run.
    days_missing: int = 0
    bars_written: int = 0
    bars_rejected: int = 0
    #: Identical duplicate rows, counted once.
    rows_duplicated: int = 0
    #: (ticker, day)s written from a file (with bars or confirmed empty).
    ticker_days: int = 0
    #: Asked tickers a file did not hold: confirmed empty for that session.
    ticker_days_empty: int = 0
    #: (ticker, day)s left uncovered: conflicting rows for one slot.
    ticker_days_conflicted: int = 0
    refusals: list[DayRefusal] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    symbols: set[str] = field(default_factory=set)

    @staticmethod
    def counter_names() -> tuple[str, ...]:
        return _COUNTERS

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _COUNTERS}


_COUNTERS = tuple(f.name for f in fields(FlatFilesReport) if f.type == "int")


@dataclass(slots=True)
class _Day:
    """One session's work: who lacks it, and the ETag each file-vouched symbol holds."""

    session: Session
    lacking: set[str] = field(default_factory=set)
    etags: dict[str, str] = field(default_factory=dict)


class FlatFilesService:
    """Closes the gaps of many symbols from day files, one file per session."""

    def __init__(
        self,
        repository: MarketDataRepository,
        files: DayFiles,
        coverage: CoverageService,
        calendar: TradingCalendar,
    ) -> None:
        self._repository = repository
        self._files = files
        self._coverage = coverage
        self._calendar = calendar

    def ingest(
        self, request: FlatFilesRequest, progress: DayProgress | None = None
    ) -> FlatFilesReport:
        timeframe = request.timeframe
        if request.everything:
            days = self._market_days(request)
        else:
            symbols = sorted({parse_symbol(s) for s in request.symbols})
            if not request.force:
                for symbol in symbols:
                    self._refuse_mixing(symbol, timeframe)
            days = self._symbol_days(symbols, request)
        report = FlatFilesReport(source=self._files.name)
        for done, day in enumerate(days, 1):
            self._day(day, request, report)
            if progress is not None:
                progress(done, len(days))
        return report

    # -- planning ---------------------------------------------------------------------

    def _settled_sessions(self, sessions: Iterable[Session], timeframe: Timeframe) -> list[Session]:
        """Sessions whose extended hours ended before the horizon: a file is published
        after its session, and vouches for settled time only."""
        horizon = self._coverage.horizon(timeframe)
        return [s for s in sessions if slot_window(s, timeframe).end <= horizon]

    def _symbol_days(self, symbols: Sequence[str], request: FlatFilesRequest) -> list[_Day]:
        timeframe = request.timeframe
        days: dict[date, _Day] = {}
        for symbol in symbols:
            missing = self._coverage.missing(
                symbol,
                timeframe,
                SessionKind.ETH,
                request.start,
                request.end,
                refetch=request.refetch,
            )
            sessions = self._settled_sessions(missing.resolved.sessions, timeframe)
            windows = [slot_window(s, timeframe) for s in sessions]
            etags = _file_etags(self._coverage.coverage(symbol, timeframe), windows)
            for session, window, etag in zip(sessions, windows, etags, strict=True):
                day = days.setdefault(session.date, _Day(session))
                if intersect([window], missing.missing):
                    day.lacking.add(symbol)
                elif etag is not None:
                    day.etags[symbol] = etag
        return [days[d] for d in sorted(days) if days[d].lacking or days[d].etags]

    def _market_days(self, request: FlatFilesRequest) -> list[_Day]:
        timeframe = request.timeframe
        resolved = resolve_range(
            self._calendar,
            SessionKind.ETH,
            timeframe,
            request.start,
            request.end,
            self._coverage.now(),
        )
        sessions = self._settled_sessions(resolved.sessions, timeframe)
        windows = [slot_window(s, timeframe) for s in sessions]
        # The repository itself: the ledger key is no ticker (CoverageService checks one).
        ledger = [] if request.refetch else self._repository.coverage(MARKET_LEDGER, timeframe)
        etags = _file_etags(ledger, windows)
        days = []
        for session, etag in zip(sessions, etags, strict=True):
            day = _Day(session)
            if etag is None:
                day.lacking.add(MARKET_LEDGER)  # never read whole: read it
            else:
                day.etags[MARKET_LEDGER] = etag
            days.append(day)
        return days

    def _refuse_mixing(self, symbol: str, timeframe: Timeframe) -> None:
        others = self._repository.sources(symbol, timeframe) - RAW_BASIS - {LEGACY_SOURCE}
        if others:
            raise SourceMismatch(symbol, timeframe.value, tuple(sorted(others)), FLATFILES)

    # -- one day ----------------------------------------------------------------------

    def _day(self, day: _Day, request: FlatFilesRequest, report: FlatFilesReport) -> None:
        kind = DayFileKind.for_timeframe(request.timeframe)
        when = day.session.date
        found = self._files.head(when, kind)
        if isinstance(found, DayFileMissing):
            _missing(report, found)
            return
        changed = {s for s, etag in day.etags.items() if etag != found.etag}
        if not day.lacking and not changed:
            report.days_skipped_unchanged += 1
            return
        if changed:
            report.days_republished += 1
        if request.everything:
            self._read(day.session, found, None, request.timeframe, report)
        else:
            self._read(day.session, found, day.lacking | changed, request.timeframe, report)

    def _read(
        self,
        session: Session,
        head: DayFile,
        asked: set[str] | None,
        timeframe: Timeframe,
        report: FlatFilesReport,
    ) -> None:
        read = self._files.read(session.date, head.kind, None if asked is None else sorted(asked))
        if isinstance(read, DayFileMissing):  # withdrawn between the HEAD and the GET
            _missing(report, read)
            return
        report.days_read += 1
        covered: dict[str, IntervalList] = {}
        seen: set[str] = set()
        #: Tickers whose bars were written replacing what the file vouches for.
        replaced: set[str] = set()
        pending: list[ColumnBatch] = []
        held, batch_bars = 0, FIRST_BATCH_BARS
        with BulkWrites(self._repository) as writes:
            for rows in read.rows:
                symbol = _ticker(rows.ticker)
                if symbol is None or (asked is not None and symbol not in asked):
                    if symbol is None:
                        _rejected(report, len(rows), f"{rows.ticker!r}: not a ticker")
                    continue
                if symbol in seen:
                    # The file is not grouped by ticker: what was written of it is not
                    # all the file holds, and the rest may contradict it. Never a silent
                    # winner.
                    covered.pop(symbol, None)
                    _conflict(report, f"{symbol} {session.date}: rows not together in the file")
                    continue
                seen.add(symbol)
                checked = ticker_day(symbol, rows, timeframe, session)
                _count(report, checked)
                if checked.conflict is not None:
                    _conflict(report, checked.conflict)
                    continue
                covered[symbol] = checked.covered
                if checked.bars:
                    # What the file vouches for, it replaces: a stored bar it no longer
                    # holds (a republished file dropped the minute) is a hole now.
                    pending.append(ColumnBatch(checked.bars, FLATFILES, checked.covered))
                    held += len(checked.bars)
                    replaced.add(symbol)
                if held >= batch_bars:
                    writes.write(pending)
                    pending, held = [], 0
                    batch_bars = min(2 * batch_bars, BATCH_BARS)
            writes.write(pending)
        report.bars_written += writes.written
        whole = [slot_window(session, timeframe)]
        for symbol in sorted((asked or set()) - seen):
            covered[symbol] = whole  # the file is the whole market: no trades that day
            report.ticker_days_empty += 1
        if asked is None:
            covered[MARKET_LEDGER] = whole
        self._repository.write_many(
            [
                _vouched(s, timeframe, pieces, read.file, replacing=s not in replaced)
                for s, pieces in covered.items()
            ]
        )
        report.ticker_days += len(covered) - (asked is None)
        report.symbols.update(s for s in covered if s != MARKET_LEDGER)


def _file_etags(spans: Sequence[CoverageSpan], windows: Sequence[Interval]) -> list[str | None]:
    """For each of ``windows`` (sorted, disjoint): the ETag of the day file whose final
    span covers it, or None (not covered by one file: a gap, another source, two
    files). One walk over both lists."""
    files = sorted(
        (span for span in spans if span.source == FLATFILES and _etag(span) is not None),
        key=lambda span: span.interval.start,
    )
    found: list[str | None] = []
    i = 0
    for window in windows:
        while i < len(files) and files[i].interval.end <= window.start:
            i += 1
        span = files[i] if i < len(files) else None
        inside = span is not None and span.interval.start <= window.start
        if span is not None and inside and window.end <= span.interval.end:
            found.append(_etag(span))
        else:
            found.append(None)
    return found


def _etag(span: CoverageSpan) -> str | None:
    if span.status is not CoverageStatus.FINAL:
        return None
    return span.etag


def _vouched(
    symbol: str, timeframe: Timeframe, pieces: IntervalList, file: DayFile, *, replacing: bool
) -> BarBatch:
    """The ledger's record of what ``file`` vouches for; ``replacing``: no bar of the
    file was written for ``symbol`` (absent from the file, or every row rejected), so
    this batch deletes the stored bars of ``pieces`` (the market ledger holds none)."""
    spans = tuple(
        CoverageSpan(piece, CoverageStatus.FINAL, FLATFILES, etag=file.etag) for piece in pieces
    )
    replaces = pieces if replacing and symbol != MARKET_LEDGER else ()
    return BarBatch(symbol, timeframe, (), FLATFILES, None, spans, replaces)


def _ticker(text: str) -> str | None:
    try:
        return parse_symbol(text)
    except InvalidSymbol:
        return None


def _count(report: FlatFilesReport, day: TickerDay) -> None:
    report.rows_duplicated += day.duplicates
    report.bars_rejected += day.rejected
    room = _REASONS_KEPT - len(report.rejections)
    report.rejections.extend(day.reasons[: max(room, 0)])


def _rejected(report: FlatFilesReport, count: int, reason: str) -> None:
    report.bars_rejected += count
    if len(report.rejections) < _REASONS_KEPT:
        report.rejections.append(reason)


def _conflict(report: FlatFilesReport, reason: str) -> None:
    report.ticker_days_conflicted += 1
    if len(report.conflicts) < _REASONS_KEPT:
        report.conflicts.append(reason)


def _missing(report: FlatFilesReport, missing: DayFileMissing) -> None:
    report.days_missing += 1
    report.refusals.append(DayRefusal(missing.day, missing.reason))
