"""The batched gap scan (``CoverageService.scan``: one ledger read for every symbol,
bounded by the range) finds exactly what the per-symbol reads of whole ledgers find.

The reference (``tests/gap_reference.py``) is the scan as it was before it was batched:
for each symbol its whole ledger and its bar starts, one query each. The repository
counts its reads, so the test also proves the scan asks no per-symbol query."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import event, given
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRepository
from chronox_domain.actions import ListingPeriod
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.legacy import LEGACY_SOURCE
from chronox_domain.services.coverage import CoverageService
from chronox_domain.timeframe import Timeframe
from tests.gap_reference import per_symbol_scan
from tests.property.strategies import CalendarRange, calendar_ranges, ledgers

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)


class CountingRepository(MemoryRepository):
    """The memory store, counting the reads of one symbol and of many."""

    def __init__(self) -> None:
        super().__init__()
        self.per_symbol = 0
        self.batched = 0

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        self.per_symbol += 1
        return super().coverage(symbol, timeframe)

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        self.per_symbol += 1
        return super().bar_starts(symbol, timeframe, window)

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        self.batched += 1
        return super().coverage_within(symbols, timeframe, window)

    def bar_starts_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> Iterator[tuple[str, list[datetime]]]:
        self.batched += 1
        for symbol in dict.fromkeys(symbols):
            starts = MemoryRepository.bar_starts(self, symbol, timeframe, window)
            if starts:
                yield symbol, starts


class FixedListings:
    def __init__(self, found: Mapping[str, ListingPeriod]) -> None:
        self._found = found

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        return {s: self._found[s] for s in symbols if s in self._found}


@st.composite
def listings_of(draw: st.DrawFn, around: date) -> dict[str, ListingPeriod]:
    found = {}
    for symbol in SYMBOLS:
        if draw(st.booleans()):
            listed = around + timedelta(days=draw(st.integers(-3, 4)))
            delisted = draw(st.one_of(st.none(), st.integers(1, 5)))
            end = None if delisted is None else listed + timedelta(days=delisted)
            found[symbol] = ListingPeriod(symbol, listed, end, end is None, FETCHED)
    return found


def fill(repository: MemoryRepository, r: CalendarRange, data: st.DataObject) -> None:
    """Random ledgers (legacy and unconfirmed spans among them) and bars around the range."""
    margin = r.timeframe.step * 3
    origin = r.timeframe.floor(r.around.start - margin)
    span = (r.around.duration + 2 * margin) // timedelta(minutes=1)
    for symbol in SYMBOLS[:-1]:  # the last one holds nothing at all
        for entry in data.draw(ledgers(r.timeframe, span, origin, max_spans=5)):
            kind = data.draw(st.sampled_from(["as drawn", "legacy", "unconfirmed"]))
            if kind == "legacy":
                entry = CoverageSpan(entry.interval, CoverageStatus.FINAL, LEGACY_SOURCE)
            elif kind == "unconfirmed":
                entry = CoverageSpan(
                    entry.interval, CoverageStatus.UNCONFIRMED, entry.source, r.now
                )
            starts = _slots(entry.interval, r.timeframe)
            kept = [s for s in starts if data.draw(st.booleans())] if starts else []
            if entry.status is CoverageStatus.UNCONFIRMED:
                kept = []
            bars = [Bar(symbol, r.timeframe, s, 10, 11, 9, 10.5, 5, None, None) for s in kept]
            batch = BarBatch(symbol, r.timeframe, bars, entry.source, None, (entry,))
            repository.write(batch)


def _slots(window: Interval, timeframe: Timeframe) -> list[datetime]:
    first = timeframe.ceil(window.start)
    count = min(timeframe.slots_in(first, timeframe.floor(window.end)), 40)
    return [first + timeframe.step * i for i in range(max(count, 0))]


@given(data=st.data())
def test_the_batched_scan_equals_the_per_symbol_scan(
    calendar: ExchangeCalendar, data: st.DataObject
) -> None:
    r = data.draw(calendar_ranges(calendar))
    repository = CountingRepository()
    fill(repository, r, data)
    listings = data.draw(listings_of(r.around.start.date()))
    service = CoverageService(
        repository, calendar, FixedClock(r.now), r.settle, listings=FixedListings(listings)
    )
    repository.per_symbol = repository.batched = 0
    batched = service.scan(list(SYMBOLS), r.timeframe, r.kind, r.start, r.end, holes=True)
    assert repository.per_symbol == 0 and repository.batched <= 2
    asked = (r.timeframe, r.kind, r.start, r.end)
    horizon = service.horizon(r.timeframe)
    reference = per_symbol_scan(calendar, repository, SYMBOLS, listings, asked, r.now, horizon)
    assert batched.gaps == reference.gaps
    assert batched.holes == reference.holes
    assert batched.unconfirmed == reference.unconfirmed
    assert batched.unlisted == reference.unlisted
    assert batched.sources == reference.sources
    for kind in ("gaps", "holes", "unconfirmed", "unlisted"):
        event(f"{kind}: {'some' if getattr(batched, kind) else 'none'}")
    # Without holes: the same gaps, from one read.
    repository.batched = 0
    gaps_only = service.scan(list(SYMBOLS), r.timeframe, r.kind, r.start, r.end)
    assert gaps_only.gaps == reference.gaps and repository.batched == 1
