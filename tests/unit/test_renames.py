"""Renames (issue 19, item 4): a registry symbol follows its company across ticker
changes. The rule that cuts a window by the ticker that traded then, the listing a
renamed symbol is read by, and an ingest over memory fakes that asks each piece of the
vendor ticker of its time and stores everything under the symbol."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import (
    MemoryActionStore,
    MemoryRegistry,
    MemoryRepository,
    MemorySource,
)
from chronox_domain.actions import CorporateActions, ListingPeriod, TickerChange
from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.interval import Interval
from chronox_domain.listing import StoredListings
from chronox_domain.registry import SymbolEntry
from chronox_domain.renames import TickerSpan, company_listing, plan_by_ticker, ticker_spans
from chronox_domain.services.actions import ActionsService
from chronox_domain.services.backfill import BackfillOrchestrator
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.gaps import GapsService
from chronox_domain.services.ingestion import IngestionService, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
M1, D1 = Timeframe.M1, Timeframe.D1
#: FB became META on 2022-06-09 (the vendor's ticker events).
FB_TO_META = TickerChange("META", "FB", "META", date(2022, 6, 9), FETCHED)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def ny_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).astimezone(UTC)


def window(first: date, last: date) -> Interval:
    return Interval(utc(first.year, first.month, first.day), utc(last.year, last.month, last.day))


# -- the rule ---------------------------------------------------------------------------


def test_a_window_across_the_change_is_cut_at_midnight_new_york_of_its_date() -> None:
    spans = ticker_spans(
        "META", [FB_TO_META], window(date(2022, 6, 1), date(2022, 6, 16)), M1, NEW_YORK
    )
    change = ny_midnight(date(2022, 6, 9))  # 04:00Z: the pre-market trades as META
    assert spans == [
        TickerSpan(Interval(utc(2022, 6, 1), change), "FB"),
        TickerSpan(Interval(change, utc(2022, 6, 16)), None),
    ]


def test_daily_bars_are_cut_at_the_stamp_of_the_change_date() -> None:
    spans = ticker_spans(
        "META", [FB_TO_META], window(date(2022, 6, 1), date(2022, 6, 16)), D1, NEW_YORK
    )
    assert [s.window.end for s in spans[:1]] == [utc(2022, 6, 9)]
    assert [s.ticker for s in spans] == ["FB", None]


def test_a_window_on_one_side_of_the_change_is_one_piece() -> None:
    before = window(date(2021, 1, 4), date(2021, 2, 1))
    after = window(date(2023, 1, 4), date(2023, 2, 1))
    assert ticker_spans("META", [FB_TO_META], before, M1, NEW_YORK) == [TickerSpan(before, "FB")]
    assert ticker_spans("META", [FB_TO_META], after, M1, NEW_YORK) == [TickerSpan(after, None)]


def test_no_changes_the_whole_window_is_the_symbols_own() -> None:
    whole = window(date(2021, 1, 4), date(2023, 2, 1))
    assert ticker_spans("AAPL", [], whole, M1, NEW_YORK) == [TickerSpan(whole, None)]


def test_several_successive_renames_each_piece_under_the_ticker_of_its_time() -> None:
    # A company that traded as AAA, then BBB from 2019-03-01, then CCC from 2021-07-01
    # (given out of order: the rule sorts them).
    changes = [
        TickerChange("CCC", "BBB", "CCC", date(2021, 7, 1), FETCHED),
        TickerChange("CCC", "AAA", "BBB", date(2019, 3, 1), FETCHED),
    ]
    spans = ticker_spans("CCC", changes, window(date(2018, 1, 2), date(2022, 1, 3)), M1, NEW_YORK)
    assert [(s.ticker, s.window.start, s.window.end) for s in spans] == [
        ("AAA", utc(2018, 1, 2), ny_midnight(date(2019, 3, 1))),
        ("BBB", ny_midnight(date(2019, 3, 1)), ny_midnight(date(2021, 7, 1))),
        (None, ny_midnight(date(2021, 7, 1)), utc(2022, 1, 3)),
    ]
    middle = window(date(2020, 1, 2), date(2020, 2, 3))
    assert ticker_spans("CCC", changes, middle, M1, NEW_YORK) == [TickerSpan(middle, "BBB")]


def test_a_ticker_taken_back_later_is_the_symbol_again_only_from_its_return() -> None:
    # XYZ became ABC in 2015 and took XYZ back in 2020: 2015-2020 is ABC's.
    changes = [
        TickerChange("XYZ", "XYZ", "ABC", date(2015, 5, 1), FETCHED),
        TickerChange("XYZ", "ABC", "XYZ", date(2020, 5, 1), FETCHED),
    ]
    spans = ticker_spans("XYZ", changes, window(date(2014, 1, 2), date(2021, 1, 4)), D1, NEW_YORK)
    assert [s.ticker for s in spans] == [None, "ABC", None]


def test_planning_never_crosses_a_rename() -> None:
    # Two days of gaps either side of the change, that one request would otherwise hold.
    days = [date(2022, 6, 7), date(2022, 6, 8), date(2022, 6, 9), date(2022, 6, 10)]
    gaps = [Interval(D1.daily_stamp(d), D1.daily_stamp(d) + timedelta(days=1)) for d in days]
    merged = [Interval(gaps[0].start, gaps[-1].end)]
    spans = ticker_spans("META", [FB_TO_META], merged[0], D1, NEW_YORK)
    planned = plan_by_ticker(spans, merged, merged, D1, 50_000)
    assert [(p.ticker, p.window) for p in planned] == [
        ("FB", Interval(gaps[0].start, gaps[1].end)),
        (None, Interval(gaps[2].start, gaps[3].end)),
    ]


# -- the listing a renamed symbol is read by ------------------------------------------


def test_following_the_company_keeps_its_whole_life() -> None:
    meta = ListingPeriod("META", date(2012, 5, 18), None, True, FETCHED)
    assert company_listing(meta, [FB_TO_META], follow=True) == meta


def test_an_overview_that_dates_only_the_current_ticker_leaves_the_start_unknown() -> None:
    # Listed "2022-06-09": the ticker's date, not the company's (it traded as FB before).
    meta = ListingPeriod("META", date(2022, 6, 9), None, True, FETCHED)
    followed = company_listing(meta, [FB_TO_META], follow=True)
    assert followed is not None and followed.listed is None


def test_the_literal_ticker_is_listed_from_its_last_change() -> None:
    meta = ListingPeriod("META", date(2012, 5, 18), None, True, FETCHED)
    literal = company_listing(meta, [FB_TO_META], follow=False)
    assert literal is not None and literal.listed == date(2022, 6, 9)
    assert company_listing(None, [FB_TO_META], follow=False) is None


def test_stored_listings_read_a_literal_registry_symbol_by_its_own_ticker() -> None:
    store, registry = MemoryActionStore(), MemoryRegistry()
    meta = ListingPeriod("META", date(2012, 5, 18), None, True, FETCHED)
    store.put_actions(
        CorporateActions("META", ticker_changes=(FB_TO_META,), listing=meta, fetched_at=FETCHED)
    )
    listings = StoredListings(store, registry)
    assert listings.listings(["META"])["META"].listed == date(2012, 5, 18)
    assert listings.listings(["META"], literal=["META"])["META"].listed == date(2022, 6, 9)
    registry.put(SymbolEntry("META", follow_renames=False))
    assert listings.listings(["META"])["META"].listed == date(2022, 6, 9)


# -- the ledger -------------------------------------------------------------------------


def test_merge_keeps_the_answering_ticker_apart_and_merges_the_same_one() -> None:
    change = utc(2022, 6, 9, 4)
    fb = CoverageSpan(
        Interval(utc(2022, 6, 1), change), CoverageStatus.FINAL, "polygon", None, "FB"
    )
    meta = CoverageSpan(Interval(change, utc(2022, 6, 16)), CoverageStatus.FINAL, "polygon")
    more_fb = CoverageSpan(
        Interval(utc(2022, 5, 20), utc(2022, 6, 1)), CoverageStatus.FINAL, "polygon", None, "FB"
    )
    merged = merge_spans([fb, meta], [more_fb])
    assert [(s.interval.start, s.interval.end, s.ticker) for s in merged] == [
        (utc(2022, 5, 20), change, "FB"),
        (change, utc(2022, 6, 16), None),
    ]


# -- an ingest over memory fakes --------------------------------------------------------


def daily(symbol: str, day: date) -> Bar:
    return Bar(symbol, D1, D1.daily_stamp(day), 10.0, 11.0, 9.0, 10.5, 1000.0)


class World:
    """The vendor's answers as it keeps them: FB's days before the change, META's from it."""

    def __init__(self, calendar: ExchangeCalendar) -> None:
        self.calendar = calendar
        days = [
            s.date for s in calendar.sessions(date(2022, 5, 2), date(2022, 6, 30), SessionKind.RTH)
        ]
        bars = [daily("FB" if day < FB_TO_META.effective else "META", day) for day in days]
        self.days = days
        self.repository = MemoryRepository()
        self.source = MemorySource(bars)
        self.registry = MemoryRegistry()
        self.store = MemoryActionStore()
        meta = ListingPeriod("META", date(2012, 5, 18), None, True, FETCHED)
        self.store.put_actions(
            CorporateActions("META", ticker_changes=(FB_TO_META,), listing=meta, fetched_at=NOW)
        )
        clock = FixedClock(NOW)
        self.coverage = CoverageService(
            self.repository,
            calendar,
            clock,
            timedelta(hours=1),
            listings=StoredListings(self.store, self.registry),
        )
        actions = ActionsService(None, self.store, clock, registry=self.registry)
        self.ingestion = IngestionService(
            self.repository, self.source, self.coverage, actions=actions
        )

    def ingest(self, follow: bool = True) -> None:
        request = IngestRequest(
            ("META",), D1, SessionKind.RTH, date(2022, 6, 1), date(2022, 6, 15),
            follow_renames=follow,
        )  # fmt: skip
        self.ingestion.ingest(request)

    def asked(self) -> list[tuple[str, datetime, datetime]]:
        return [(symbol, w.start, w.end) for symbol, _, w in self.source.requests]

    def stored(self) -> list[Bar]:
        return list(self.repository.bars("META", D1, window(date(2022, 1, 3), date(2023, 1, 3))))


def test_an_ingest_asks_fb_before_the_change_and_stores_everything_as_meta(
    calendar: ExchangeCalendar,
) -> None:
    world = World(calendar)
    world.ingest()
    change = D1.daily_stamp(date(2022, 6, 9))
    assert [(symbol, start, end) for symbol, start, end in world.asked()] == [
        ("FB", D1.daily_stamp(date(2022, 6, 1)), change),
        ("META", change, D1.daily_stamp(date(2022, 6, 16))),
    ]
    stored = world.stored()
    expected_days = [d for d in world.days if date(2022, 6, 1) <= d <= date(2022, 6, 15)]
    assert [bar.start.date() for bar in stored] == expected_days
    assert {bar.symbol for bar in stored} == {"META"}
    ledger = world.repository.coverage("META", D1)
    # Each span (a run of sessions) names the ticker that answered it.
    assert {s.ticker for s in ledger if s.interval.end <= change} == {"FB"}
    assert {s.ticker for s in ledger if s.interval.start >= change} == {None}
    assert ledger[-1].interval.end == D1.daily_stamp(date(2022, 6, 16))
    gaps = GapsService(world.coverage).report(
        ["META"], D1, SessionKind.RTH, date(2022, 6, 1), date(2022, 6, 15), holes=True
    )
    assert gaps.missing == []
    world.source.requests.clear()
    world.ingest()
    assert world.source.requests == []


def test_a_literal_ingest_asks_only_meta_from_its_change(calendar: ExchangeCalendar) -> None:
    world = World(calendar)
    world.ingest(follow=False)
    assert [symbol for symbol, _, _ in world.asked()] == ["META"]
    assert world.asked()[0][1] == D1.daily_stamp(date(2022, 6, 9))


def test_a_literal_registry_symbol_is_unlisted_before_its_change(
    calendar: ExchangeCalendar,
) -> None:
    world = World(calendar)
    world.registry.put(SymbolEntry("META", (D1,), follow_renames=False))
    world.ingest()  # the registry's choice holds without the ingest's flag
    assert [symbol for symbol, _, _ in world.asked()] == ["META"]
    report = GapsService(world.coverage).report(
        ["META"], D1, SessionKind.RTH, date(2022, 6, 1), date(2022, 6, 15), holes=True
    )
    # Only unlisted windows (the sessions before the change, split at the weekend).
    assert {m.kind.value for m in report.missing} == {"unlisted"}
    assert report.missing[0].window.interval.start == D1.daily_stamp(date(2022, 6, 1))
    assert report.missing[-1].window.interval.end == D1.daily_stamp(date(2022, 6, 9))


@pytest.mark.parametrize("follow", [True, False])
def test_backfill_follows_what_the_registry_entry_says(
    calendar: ExchangeCalendar, follow: bool
) -> None:
    world = World(calendar)
    world.registry.put(SymbolEntry("META", (D1,), follow_renames=follow))
    BackfillOrchestrator(world.registry, world.ingestion).run(
        (), date(2022, 6, 1), date(2022, 6, 15)
    )
    asked = [symbol for symbol, _, _ in world.asked()]
    assert asked == (["FB", "META"] if follow else ["META"])
