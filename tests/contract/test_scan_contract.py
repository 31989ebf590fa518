"""The batched gap scan on every store: ``CoverageService.scan`` over many symbols (one
ledger read, one streamed read of bar starts) finds exactly what each symbol's own whole
ledger and bar starts give (``tests/gap_reference.py``), and ``GapsService`` lists it."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_domain.actions import ListingPeriod
from chronox_domain.gaps import GapWindow
from chronox_domain.legacy import LEGACY_SOURCE
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.gaps import GapKind, GapsService
from chronox_domain.session import SessionKind, expected_windows
from tests.contract.conftest import StoreUnderTest
from tests.gap_reference import per_symbol_scan

TIMEFRAME = Timeframe.M15
FIRST, LAST = date(2024, 3, 4), date(2024, 3, 15)
#: Inside the last session: its end is not settled, part of it has not ended.
NOW = datetime(2024, 3, 15, 17, 0, tzinfo=UTC)
SETTLE = timedelta(hours=1)
SYMBOLS = [f"S{i:02d}" for i in range(24)]
SOURCES = ("polygon", "flatfiles", "synthetic", LEGACY_SOURCE)


class Listed:
    def __init__(self, found: dict[str, ListingPeriod]) -> None:
        self.found = found

    def listings(self, symbols: list[str]) -> dict[str, ListingPeriod]:
        return {s: self.found[s] for s in symbols if s in self.found}


def fill(store: StoreUnderTest, calendar: ExchangeCalendar, seed: int) -> dict[str, ListingPeriod]:
    """Random ledgers and bars over the sessions around the range (before it too, so that
    the range cuts spans), written across symbols; and a few listing periods."""
    rng = random.Random(seed)
    sessions = calendar.sessions(FIRST - timedelta(days=7), LAST, SessionKind.ETH)
    windows = expected_windows(sessions, TIMEFRAME)
    batches = []
    for symbol in SYMBOLS[:-2]:  # the last two hold nothing
        for window in rng.sample(windows, k=rng.randint(0, len(windows))):
            slots = list(_slots(window))
            first = rng.randrange(len(slots))
            last = rng.randrange(first, len(slots)) + 1
            piece = Interval(slots[first], slots[last - 1] + TIMEFRAME.step)
            status = rng.choice(list(CoverageStatus))
            answered = (
                NOW - timedelta(hours=rng.choice([1, 30]))
                if status is CoverageStatus.UNCONFIRMED
                else None
            )
            source = rng.choice(SOURCES)
            bars = [
                Bar(symbol, TIMEFRAME, start, 10, 11, 9, 10.5, 7, None, None)
                for start in slots[first:last]
                if status is not CoverageStatus.UNCONFIRMED and rng.random() < 0.7
            ]
            span = CoverageSpan(piece, status, source, answered)
            batches.append(BarBatch(symbol, TIMEFRAME, bars, source, None, (span,)))
    store.repository.write_many(batches)
    fetched = datetime(2024, 6, 1, tzinfo=UTC)
    return {
        "S01": ListingPeriod("S01", date(2024, 3, 8), None, True, fetched),
        "S02": ListingPeriod("S02", None, date(2024, 3, 12), False, fetched),
    }


def _slots(window: Interval) -> list[datetime]:
    count = TIMEFRAME.slots_in(window.start, window.end)
    return [window.start + TIMEFRAME.step * i for i in range(count)]


def test_the_batched_scan_finds_what_each_ledger_alone_gives(store: StoreUnderTest) -> None:
    calendar = ExchangeCalendar()
    listings = fill(store, calendar, seed=20)
    service = CoverageService(
        store.repository, calendar, FixedClock(NOW), SETTLE, listings=Listed(listings)
    )
    asked = (TIMEFRAME, SessionKind.ETH, FIRST, LAST)
    batched = service.scan(SYMBOLS, *asked, holes=True)
    reference = per_symbol_scan(
        calendar, store.repository, SYMBOLS, listings, asked, NOW, service.horizon(TIMEFRAME)
    )
    assert batched == reference
    assert batched.gaps and batched.holes and batched.unconfirmed and batched.unlisted

    report = GapsService(service).report(SYMBOLS, *asked, holes=True)
    kinds = {kind: [m.window for m in report.missing if m.kind is kind] for kind in GapKind}
    assert sorted(kinds[GapKind.GAP], key=_order) == reference.gaps
    assert sorted(kinds[GapKind.HOLE], key=_order) == reference.holes
    listed = {m.window.symbol for m in report.missing}
    assert report.demo == any("synthetic" in reference.sources[s] for s in listed)


def _order(window: GapWindow) -> tuple[str, datetime]:
    return window.symbol, window.interval.start
