"""Reading the ledger: gap windows, holes and coverage, of one symbol or of many at once
(one read of every asked ledger over the range: :meth:`CoverageService.scan`).

Every question is asked of the sessions the symbol traded: with ``listings``, the
sessions before its listing or from its delisting are cut off the expected time once,
in :meth:`CoverageService._expected_of` (the rule itself is
:func:`chronox_domain.listing.listed_range`), so no gap, hole, request or coverage
percentage ever counts them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chronox_domain.actions import ListingPeriod
from chronox_domain.coverage import (
    CoverageSpan,
    CoverageStatus,
    covered_for_gaps,
    of_status,
    unconfirmed,
)
from chronox_domain.gaps import GapWindow, find_gaps, find_holes, find_unlisted
from chronox_domain.interval import Interval, IntervalList, clip, intersect, subtract
from chronox_domain.legacy import raw_ledger
from chronox_domain.listing import listed_range
from chronox_domain.ports import Clock, Listings, MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, ResolvedRange, resolve_range
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.summary import CoverageSummary, summarize
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class RangeScan:
    """What many symbols lack inside one range (:meth:`CoverageService.scan`); each list
    sorted by symbol, then start."""

    gaps: list[GapWindow]
    holes: list[GapWindow]
    unconfirmed: list[GapWindow]
    unlisted: list[GapWindow]
    #: By symbol: the sources its ledger names inside the range (any status).
    sources: dict[str, set[str]]


@dataclass(frozen=True, slots=True)
class Missing:
    """What one (symbol, timeframe) still lacks inside a resolved range.

    ``resolved`` and ``expected`` are the symbol's own: only the sessions it traded."""

    resolved: ResolvedRange
    expected: IntervalList
    missing: IntervalList
    horizon: datetime


class CoverageService:
    """Answers "what is missing?" from the calendar and the ledger, never from bars."""

    def __init__(
        self,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        clock: Clock,
        settle_delay: timedelta,
        recheck_delay: timedelta = timedelta(hours=24),
        listings: Listings | None = None,
    ) -> None:
        """``listings`` None: every session of the calendar is expected of every symbol."""
        self._repository = repository
        self._calendar = calendar
        self._clock = clock
        self._settle_delay = settle_delay
        self._recheck_delay = recheck_delay
        self._listings = listings

    def now(self) -> datetime:
        return self._clock.now()

    def horizon(self, timeframe: Timeframe) -> datetime:
        """Now minus the settle delay, on the slot grid: final coverage ends here."""
        return timeframe.floor(self._clock.now() - self._settle_delay)

    def missing(
        self,
        symbol: str,
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None,
        end: Bound | None,
        *,
        until_now: bool = False,
        refetch: bool = False,
        rechecks: bool = False,
        follow_renames: bool = True,
    ) -> Missing:
        """Expected time of the range that the ledger does not account for.

        By default clipped to the horizon (settled time only), the definition of a gap;
        ``until_now`` also takes the unsettled stretch up to now, which ingestion fetches
        as provisional. ``rechecks`` also takes the empty answers due for their second
        asking. ``refetch`` ignores the ledger altogether. ``follow_renames`` False: the
        symbol is read literally (its own ticker's listing only).
        """
        name = parse_symbol(symbol)
        resolved, expected = self._expected(kind, timeframe, start, end)
        literal = () if follow_renames else (name,)
        listing = self._listings_of([name], literal).get(name)
        resolved, expected = self._expected_of(resolved, expected, timeframe, listing)
        return self._missing(name, timeframe, resolved, expected, until_now, refetch, rechecks)

    def _expected(
        self, kind: SessionKind, timeframe: Timeframe, start: Bound | None, end: Bound | None
    ) -> tuple[ResolvedRange, IntervalList]:
        resolved = resolve_range(self._calendar, kind, timeframe, start, end, self._clock.now())
        return resolved, expected_windows(resolved.sessions, timeframe)

    @staticmethod
    def _expected_of(
        resolved: ResolvedRange,
        expected: IntervalList,
        timeframe: Timeframe,
        listing: ListingPeriod | None,
    ) -> tuple[ResolvedRange, IntervalList]:
        """The range and expected time of one symbol: only the sessions it traded.
        Unchanged (the same objects) when its listing cuts nothing."""
        listed = listed_range(resolved, listing)
        if listed is resolved:
            return resolved, expected
        return listed, expected_windows(listed.sessions, timeframe)

    def _listings_of(
        self, symbols: Sequence[str], literal: Sequence[str] = ()
    ) -> dict[str, ListingPeriod]:
        if self._listings is None:
            return {}
        if literal:
            return dict(self._listings.listings(symbols, literal))
        return dict(self._listings.listings(symbols))

    def _missing(
        self,
        symbol: str,
        timeframe: Timeframe,
        resolved: ResolvedRange,
        expected: IntervalList,
        until_now: bool,
        refetch: bool,
        rechecks: bool = False,
    ) -> Missing:
        now = self._clock.now()
        horizon = self.horizon(timeframe)
        limit = timeframe.floor(now) if until_now else horizon
        clipped = _clip_end(resolved.window, limit)
        if clipped is None:
            return Missing(resolved, expected, [], horizon)
        if refetch:
            return Missing(resolved, expected, clip(expected, clipped), horizon)
        due = now - self._recheck_delay if rechecks else None
        ledger = self._repository.coverage_within([symbol], timeframe, resolved.window)[symbol]
        covered = covered_for_gaps(raw_ledger(ledger), horizon, due)
        gaps = find_gaps(expected, covered, clipped)
        return Missing(resolved, expected, gaps, horizon)

    def extended(self, missing: Missing, kind: SessionKind, timeframe: Timeframe) -> IntervalList:
        """Extended-hours slot windows of the same sessions: what a vendor returns bars
        for whatever part of the day was asked (request planning counts it)."""
        resolved = missing.resolved
        if kind is SessionKind.ETH or not resolved.sessions:
            return missing.expected
        first, last = resolved.sessions[0].date, resolved.sessions[-1].date
        return expected_windows(self._calendar.sessions(first, last, SessionKind.ETH), timeframe)

    def scan(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        holes: bool = False,
    ) -> RangeScan:
        """Gap windows of every symbol and, with ``holes``, its holes, its windows
        answered empty only once and the time it was not listed, from ONE read of the
        symbols' ledgers over the range (and, for holes, one streamed read of their bar
        starts): no query per symbol, whatever their number."""
        names = sorted({parse_symbol(s) for s in symbols})
        # The range and its expected time are the same for every symbol listed through
        # it: work them out once.
        resolved, in_sessions = self._expected(kind, timeframe, start, end)
        listings = self._listings_of(names)
        ledgers = self._repository.coverage_within(names, timeframe, resolved.window)
        horizon = self.horizon(timeframe)
        clipped = _clip_end(resolved.window, horizon)
        everyone = clip(in_sessions, resolved.window)
        # find_gaps(expected, covered, clipped) is subtract(clip(expected, clipped),
        # covered): the clip is done once for every symbol whose listing cuts nothing.
        settled = clip(in_sessions, clipped) if clipped is not None else []
        found = RangeScan([], [], [], [], {})
        finals: dict[str, tuple[IntervalList, IntervalList]] = {}
        for symbol in names:
            ledger = ledgers.get(symbol, [])
            raw = raw_ledger(ledger)
            own, listed = self._expected_of(resolved, in_sessions, timeframe, listings.get(symbol))
            found.sources[symbol] = {span.source for span in ledger}
            if clipped is not None:
                due = settled if listed is in_sessions else clip(listed, clipped)
                pieces = subtract(due, covered_for_gaps(raw, horizon))
                found.gaps.extend(GapWindow(symbol, timeframe, piece) for piece in pieces)
            if not holes:
                continue
            expected = everyone if listed is in_sessions else clip(listed, own.window)
            waiting = intersect(expected, unconfirmed(ledger))
            found.unconfirmed.extend(GapWindow(symbol, timeframe, piece) for piece in waiting)
            pieces = find_unlisted(in_sessions, listed, resolved.window)
            found.unlisted.extend(GapWindow(symbol, timeframe, piece) for piece in pieces)
            final = of_status(raw, CoverageStatus.FINAL)
            if final:
                finals[symbol] = (final, expected)
        if finals:
            found.holes.extend(self._holes(finals, timeframe, resolved.window))
        return found

    def _holes(
        self,
        finals: dict[str, tuple[IntervalList, IntervalList]],
        timeframe: Timeframe,
        window: Interval,
    ) -> list[GapWindow]:
        """The holes of each symbol of ``finals`` (its final coverage, its expected time
        in ``window``), its bar starts streamed a symbol at a time, sorted by symbol
        then start."""
        found: list[GapWindow] = []
        without_bars = dict(finals)
        starts_of = self._repository.bar_starts_within(list(finals), timeframe, window)
        for symbol, starts in starts_of:
            final, expected = without_bars.pop(symbol)
            for piece in find_holes(final, expected, starts, timeframe):
                found.append(GapWindow(symbol, timeframe, piece))
        for symbol, (final, expected) in without_bars.items():
            for piece in find_holes(final, expected, [], timeframe):
                found.append(GapWindow(symbol, timeframe, piece))
        found.sort(key=lambda window: (window.symbol, window.interval.start))
        return found

    def gaps(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> list[GapWindow]:
        """Gap windows of every symbol, sorted by symbol then start."""
        return self.scan(symbols, timeframe, kind, start, end).gaps

    def holes(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> list[GapWindow]:
        """Expected slots inside final coverage that hold no bar, per symbol."""
        return self.scan(symbols, timeframe, kind, start, end, holes=True).holes

    def unconfirmed(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> list[GapWindow]:
        """Expected time of the range answered empty only once (awaiting its recheck)."""
        return self.scan(symbols, timeframe, kind, start, end, holes=True).unconfirmed

    def unlisted(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> list[GapWindow]:
        """Slot windows of the range's sessions that a symbol did not trade (before its
        listing, from its delisting): never expected of it, never asked for."""
        return self.scan(symbols, timeframe, kind, start, end, holes=True).unlisted

    def unconfirmed_of(self, symbol: str, timeframe: Timeframe, source: str) -> IntervalList:
        """What ``source`` answered empty only once for (symbol, timeframe)."""
        return unconfirmed(self._repository.coverage(symbol, timeframe), source)

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        """The ledger as recorded, legacy spans included. Gaps, holes and requests are
        computed from its :func:`raw_ledger`: the spans an earlier release fetched
        split-adjusted close no gap (chronox_domain/legacy.py), so ingest and backfill
        fetch them again, raw."""
        return self._repository.coverage(parse_symbol(symbol), timeframe)

    def summary(
        self,
        symbol: str,
        timeframe: Timeframe,
        kind: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> CoverageSummary:
        """How many expected slots of the range the ledger accounts for, by status, up
        to the last slot that has ended (the monitor's coverage % of a symbol)."""
        name = parse_symbol(symbol)
        resolved, expected = self._expected(kind, timeframe, start, end)
        listing = self._listings_of([name]).get(name)
        resolved, expected = self._expected_of(resolved, expected, timeframe, listing)
        window = resolved.window
        end = max(window.start, min(window.end, timeframe.floor(self._clock.now())))
        spans = self._repository.coverage_within([name], timeframe, window)[name]
        return summarize(name, timeframe, window.start, end, expected, spans)


def _clip_end(window: Interval, limit: datetime) -> Interval | None:
    if limit <= window.start:
        return None
    return Interval(window.start, min(window.end, limit))
