"""The gap scan as it was before it was batched, for tests to hold the batched one to:
for each symbol alone, its whole ledger (``coverage``) and its bar starts
(``bar_starts``), one query each, through the domain's own functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from chronox_domain.actions import ListingPeriod
from chronox_domain.coverage import CoverageStatus, covered_for_gaps, of_status, unconfirmed
from chronox_domain.gaps import GapWindow, find_gaps, find_holes, find_unlisted
from chronox_domain.interval import Interval, clip, intersect
from chronox_domain.legacy import raw_ledger
from chronox_domain.listing import listed_range
from chronox_domain.ports import MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.services.coverage import RangeScan
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe


def per_symbol_scan(
    calendar: TradingCalendar,
    repository: MarketDataRepository,
    symbols: Sequence[str],
    listings: Mapping[str, ListingPeriod],
    asked: tuple[Timeframe, SessionKind, Bound | None, Bound | None],
    now: datetime,
    horizon: datetime,
) -> RangeScan:
    """Each of ``symbols`` (sorted, distinct) alone, its whole ledger read."""
    timeframe, kind, start, end = asked
    resolved = resolve_range(calendar, kind, timeframe, start, end, now)
    in_sessions = expected_windows(resolved.sessions, timeframe)
    window = resolved.window
    found = RangeScan([], [], [], [], {})
    for symbol in symbols:
        ledger = repository.coverage(symbol, timeframe)
        listed_sessions = listed_range(resolved, listings.get(symbol)).sessions
        listed = expected_windows(listed_sessions, timeframe)
        expected = clip(listed, window)

        def add(into: list[GapWindow], pieces: list[Interval], name: str = symbol) -> None:
            into.extend(GapWindow(name, timeframe, piece) for piece in pieces)

        if horizon > window.start:
            clipped = Interval(window.start, min(window.end, horizon))
            covered = covered_for_gaps(raw_ledger(ledger), horizon)
            add(found.gaps, find_gaps(listed, covered, clipped))
        final = of_status(raw_ledger(ledger), CoverageStatus.FINAL)
        starts = repository.bar_starts(symbol, timeframe, window)
        add(found.holes, find_holes(final, expected, starts, timeframe))
        add(found.unconfirmed, intersect(expected, unconfirmed(ledger)))
        add(found.unlisted, find_unlisted(in_sessions, listed, window))
        found.sources[symbol] = {s.source for s in ledger if s.interval.overlaps(window)}
    return found
