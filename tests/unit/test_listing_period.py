"""The listing period in the gap logic (issue 19, item 5): sessions before a symbol's
listing or from its delisting are not expected, so they are never a gap, never asked of
the source, and ``gaps --holes`` lists them as ``unlisted``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import (
    MemoryActionStore,
    MemoryRegistry,
    MemoryRepository,
    MemorySource,
)
from chronox_domain.actions import CorporateActions, ListingPeriod
from chronox_domain.bar import Bar
from chronox_domain.interval import Interval
from chronox_domain.listing import StoredListings, listed_range
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.backfill import BackfillOrchestrator
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.gaps import GapKind, GapsService
from chronox_domain.services.ingestion import IngestionService, IngestReport, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_presentation import GapOut

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
D1, H1, M1 = Timeframe.D1, Timeframe.H1, Timeframe.M1
RTH, ETH = SessionKind.RTH, SessionKind.ETH
#: Snowflake's first session (the vendor's list_date).
SNOW_LISTED = date(2020, 9, 16)


class FakeListings:
    """``Listings`` over a dict, counting how often it is asked."""

    def __init__(self, *periods: ListingPeriod) -> None:
        self._periods = {period.symbol: period for period in periods}
        self.asked: list[tuple[str, ...]] = []

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        self.asked.append(tuple(symbols))
        return {s: self._periods[s] for s in symbols if s in self._periods}


def listing(
    symbol: str = "SNOW", listed: date | None = SNOW_LISTED, delisted: date | None = None
) -> ListingPeriod:
    return ListingPeriod(symbol, listed, delisted, delisted is None, FETCHED)


def stamp(day: date) -> datetime:
    return D1.daily_stamp(day)


def daily_bar(symbol: str, day: date) -> Bar:
    return Bar(symbol, D1, stamp(day), 10.0, 11.0, 9.0, 10.5, 1000.0)


class World:
    """A coverage service, ingestion and gaps over memory fakes and the real calendar."""

    def __init__(
        self, calendar: ExchangeCalendar, listings: FakeListings | None, bars: Sequence[Bar] = ()
    ) -> None:
        self.calendar = calendar
        self.repository = MemoryRepository()
        self.source = MemorySource(bars)
        self.coverage = CoverageService(
            self.repository,
            calendar,
            FixedClock(NOW),
            timedelta(hours=1),
            listings=listings,
        )
        self.ingestion = IngestionService(self.repository, self.source, self.coverage)
        self.gaps = GapsService(self.coverage)

    def ingest(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound,
        end: Bound,
        session: SessionKind = RTH,
        refetch: bool = False,
    ) -> IngestReport:
        request = IngestRequest((symbol,), timeframe, session, start, end, refetch=refetch)
        return self.ingestion.ingest(request)

    def asked_from(self) -> datetime:
        return min(window.start for _, _, window in self.source.requests)

    def sessions(self, first: date, last: date, kind: SessionKind = RTH) -> list[date]:
        return [s.date for s in self.calendar.sessions(first, last, kind)]


# -- the rule -------------------------------------------------------------------------


def test_listed_range_keeps_the_sessions_from_the_listing_date(
    calendar: ExchangeCalendar,
) -> None:
    resolved = resolve_range(calendar, RTH, D1, date(2020, 9, 1), date(2020, 9, 30), NOW)
    listed = listed_range(resolved, listing())
    assert [s.date for s in listed.sessions] == [
        s.date for s in resolved.sessions if s.date >= SNOW_LISTED
    ]
    assert listed.sessions[0].date == SNOW_LISTED and listed.window == resolved.window
    # Nothing cut (or nothing known): the very same range, so callers reuse its windows.
    assert listed_range(resolved, None) is resolved
    assert listed_range(resolved, listing(listed=date(2019, 1, 2))) is resolved


def test_stored_listings_read_the_actions_listing_in_bulk() -> None:
    store = MemoryActionStore()
    store.put_actions(CorporateActions("SNOW", listing=listing(), fetched_at=FETCHED))
    store.put_actions(CorporateActions("SPY", fetched_at=FETCHED))  # fetched, no listing
    found = StoredListings(store).listings(["SNOW", "SPY", "NEVER"])
    assert dict(found) == {"SNOW": listing()}


# -- gaps -----------------------------------------------------------------------------


def test_no_gap_before_the_listing_date(calendar: ExchangeCalendar) -> None:
    world = World(calendar, FakeListings(listing()))
    found = world.coverage.gaps(["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30))
    # Daily slots are one UTC day each: a weekend splits the runs.
    assert found[0].interval.start == stamp(SNOW_LISTED)
    assert found[-1].interval.end == stamp(date(2020, 9, 30)) + timedelta(days=1)
    # Without a listing every session is expected, as before.
    blind = World(calendar, None).coverage.gaps(
        ["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30)
    )
    assert blind[0].interval.start == stamp(date(2020, 9, 1))


def test_the_first_session_is_a_gap_when_its_bar_is_missing(calendar: ExchangeCalendar) -> None:
    days = World(calendar, None).sessions(date(2020, 9, 17), date(2020, 9, 30))
    world = World(calendar, FakeListings(listing()), [daily_bar("SNOW", d) for d in days])
    world.ingest("SNOW", D1, date(2020, 9, 17), date(2020, 9, 30))
    found = world.coverage.gaps(["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30))
    assert [g.interval for g in found] == [
        Interval(stamp(SNOW_LISTED), stamp(SNOW_LISTED) + timedelta(days=1))
    ]


def test_nothing_is_expected_from_the_delisting_date(calendar: ExchangeCalendar) -> None:
    # The vendor's last traded date 2022-11-07 (say): delisted is the day after.
    gone = listing("TWTR", listed=None, delisted=date(2022, 11, 8))
    world = World(calendar, FakeListings(gone))
    found = world.coverage.gaps(["TWTR"], D1, RTH, date(2022, 11, 1), date(2022, 11, 30))
    assert found[-1].interval.end == stamp(date(2022, 11, 7)) + timedelta(days=1)
    world.ingest("TWTR", D1, date(2022, 11, 1), date(2022, 11, 30))
    assert all(window.end <= stamp(date(2022, 11, 8)) for _, _, window in world.source.requests)
    # A symbol delisted before the range: nothing expected, nothing asked, 0 of 0 slots.
    assert world.coverage.gaps(["TWTR"], D1, RTH, date(2023, 1, 3), date(2023, 1, 31)) == []
    report = world.ingest("TWTR", M1, date(2023, 1, 3), date(2023, 1, 31))
    assert report.requests == 0
    summary = world.coverage.summary("TWTR", M1, RTH, date(2023, 1, 3), date(2023, 1, 31))
    assert summary.expected == 0 and summary.percent is None


def test_a_listing_inside_one_request_window_cuts_the_window(calendar: ExchangeCalendar) -> None:
    """One 1h request would span 2020-09-14..18; the sessions before the 16th are cut off
    its start, in extended hours too."""
    world = World(calendar, FakeListings(listing()))
    report = world.ingest("SNOW", H1, date(2020, 9, 14), date(2020, 9, 18), session=ETH)
    assert report.requests == 1
    first_eth = calendar.sessions(SNOW_LISTED, SNOW_LISTED, ETH)[0]
    assert world.asked_from() == H1.floor(first_eth.open)
    # Instants as bounds: a range starting mid-session before the listing.
    world = World(calendar, FakeListings(listing()))
    start = datetime(2020, 9, 15, 15, 0, tzinfo=UTC)
    world.ingest("SNOW", M1, start, datetime(2020, 9, 17, 20, 0, tzinfo=UTC))
    first_rth = calendar.sessions(SNOW_LISTED, SNOW_LISTED, RTH)[0]
    assert world.asked_from() == first_rth.open


def test_refetch_never_asks_before_the_listing(calendar: ExchangeCalendar) -> None:
    world = World(calendar, FakeListings(listing()))
    world.ingest("SNOW", D1, date(2020, 1, 2), date(2020, 9, 30), refetch=True)
    assert world.asked_from() == stamp(SNOW_LISTED)


def test_backfill_of_a_late_listed_symbol_asks_nothing_before_its_listing(
    calendar: ExchangeCalendar,
) -> None:
    world = World(calendar, FakeListings(listing()))
    registry = MemoryRegistry()
    registry.put(SymbolEntry("SNOW", (D1, H1)))
    BackfillOrchestrator(registry, world.ingestion).run((), date(2015, 1, 2), date(2020, 10, 30))
    assert world.source.requests and world.asked_from() >= stamp(SNOW_LISTED)


def test_gaps_of_many_symbols_read_their_listings_once(calendar: ExchangeCalendar) -> None:
    listings = FakeListings(listing())
    world = World(calendar, listings)
    found = world.coverage.gaps(["SPY", "SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30))
    assert listings.asked == [("SNOW", "SPY")]
    by_symbol = {g.symbol: g.interval.start for g in reversed(found)}  # each one's first
    assert by_symbol == {"SNOW": stamp(SNOW_LISTED), "SPY": stamp(date(2020, 9, 1))}


# -- --holes: the unlisted kind -------------------------------------------------------


def test_holes_report_the_unlisted_window_as_its_own_kind(calendar: ExchangeCalendar) -> None:
    world = World(calendar, FakeListings(listing()))
    report = world.gaps.report(["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30), holes=True)
    unlisted = [m.window.interval for m in report.missing if m.kind is GapKind.UNLISTED]
    gaps = [m.window.interval for m in report.missing if m.kind is GapKind.GAP]
    assert len(unlisted) + len(gaps) == len(report.missing)
    assert unlisted[0].start == stamp(date(2020, 9, 1))  # sorted by start: unlisted first
    assert unlisted[-1].end == stamp(date(2020, 9, 15)) + timedelta(days=1)
    assert gaps[0].start == stamp(SNOW_LISTED) == unlisted[-1].end
    assert report.missing[0].kind is GapKind.UNLISTED
    assert GapOut.of(report.missing[0]).kind == "unlisted"
    # Without --holes, only the gap.
    plain = world.gaps.report(["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30))
    assert [m.window.interval for m in plain.missing] == gaps


def test_time_fetched_before_the_listing_was_known_is_unlisted_not_a_hole(
    calendar: ExchangeCalendar,
) -> None:
    """A store filled before the listing was fetched holds final, empty coverage before
    the listing: that is not the vendor's missing trades, it is a company not yet listed."""
    days = World(calendar, None).sessions(SNOW_LISTED, date(2020, 9, 30))
    bars = [daily_bar("SNOW", d) for d in days]
    early = World(calendar, None, bars)
    early.ingest("SNOW", D1, date(2020, 9, 1), date(2020, 9, 30))
    early.ingest("SNOW", D1, date(2020, 9, 1), date(2020, 9, 30), refetch=True)  # confirmed
    before = early.gaps.report(["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30), holes=True)
    assert {m.kind for m in before.missing} == {GapKind.HOLE}

    knowing = CoverageService(
        early.repository,
        calendar,
        FixedClock(NOW),
        timedelta(hours=1),
        listings=FakeListings(listing()),
    )
    after = GapsService(knowing).report(
        ["SNOW"], D1, RTH, date(2020, 9, 1), date(2020, 9, 30), holes=True
    )
    assert {m.kind for m in after.missing} == {GapKind.UNLISTED}
    summary = knowing.summary("SNOW", D1, RTH, date(2020, 9, 1), date(2020, 9, 30))
    assert summary.expected == len(days) and summary.percent == 100.0


@pytest.mark.parametrize("timeframe", [M1, H1, D1])
def test_unlisted_gaps_and_covered_make_up_the_expected_slots(
    calendar: ExchangeCalendar, timeframe: Timeframe
) -> None:
    world = World(calendar, FakeListings(listing()))
    asked = (date(2020, 9, 10), date(2020, 9, 18))
    world.ingest("SNOW", timeframe, date(2020, 9, 17), date(2020, 9, 17))
    report = world.gaps.report(["SNOW"], timeframe, RTH, *asked, holes=True)
    slots = {kind: sum(m.window.bars for m in report.missing if m.kind is kind) for kind in GapKind}
    everyone = World(calendar, None).coverage.summary("SNOW", timeframe, RTH, *asked)
    listed = world.coverage.summary("SNOW", timeframe, RTH, *asked)
    assert slots[GapKind.UNLISTED] + listed.expected == everyone.expected
    assert slots[GapKind.GAP] == listed.missing and listed.unconfirmed > 0
    assert slots[GapKind.UNCONFIRMED] == listed.unconfirmed
