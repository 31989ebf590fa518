"""A coverage matrix row's slot counts (``covered`` of ``owed``) are exactly the counts
of the coverage summary (``CoverageService.summary``, ``/coverage/{symbol}/summary``)
over the same sessions, listing periods and partly ended sessions included; and the
rows of one session kind (``own_session``: the monitor's symbols panel)."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRegistry, MemoryRepository
from chronox_domain.actions import ListingPeriod
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import InvalidRange
from chronox_domain.interval import Interval
from chronox_domain.matrix import completeness
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.matrix import CoverageMatrixService
from chronox_domain.session import SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

M5 = Timeframe.M5
#: 11:32 New York on Monday 2024-11-25: that session partly ended.
NOW = datetime(2024, 11, 25, 16, 32, tzinfo=UTC)
FIRST, LAST = date(2024, 11, 18), date(2024, 11, 25)
FETCHED = datetime(2024, 12, 1, tzinfo=UTC)
#: (listed, delisted): cutting the range's sessions, or all of them.
PERIODS = [
    (date(2024, 11, 20), None),
    (None, date(2024, 11, 21)),
    (date(2024, 11, 19), date(2024, 11, 22)),
    (date(2024, 11, 26), None),
    (None, date(2024, 11, 18)),
]


class Listed:
    def __init__(self, found: Mapping[str, ListingPeriod]) -> None:
        self.found = found

    def listings(
        self, symbols: Sequence[str], literal: Collection[str] = ()
    ) -> Mapping[str, ListingPeriod]:
        return {s: self.found[s] for s in symbols if s in self.found}


def random_ledger(
    rng: random.Random, repository: MemoryRepository, symbol: str, days: Sequence[Interval]
) -> None:
    """A few spans of every status, some off the slot grid, some across sessions."""
    spans = []
    for _ in range(rng.randint(0, 7)):
        day = rng.choice(days)
        length = int((day.end - day.start) / M5.step)
        first = rng.randrange(length)
        last = rng.randrange(first, length) + 1 + rng.choice([0, 0, 0, 80])
        start = day.start + M5.step * first + timedelta(minutes=rng.choice([0, 0, 2]))
        status = rng.choice(list(CoverageStatus))
        answered = FETCHED if status is CoverageStatus.UNCONFIRMED else None
        piece = Interval(start, day.start + M5.step * last)
        spans.append(CoverageSpan(piece, status, "x", answered))
    for span in spans:
        repository.write(BarBatch(symbol, M5, [], "x", None, (span,)))


def test_a_rows_counts_are_the_summarys_for_the_same_sessions(
    calendar: ExchangeCalendar,
) -> None:
    rng = random.Random(20)
    repository = MemoryRepository()
    registry = MemoryRegistry()
    days = [slot_window(s, M5) for s in calendar.sessions(FIRST, LAST, SessionKind.RTH)]
    names = [f"S{i}" for i in range(60)]
    registry.put_many([SymbolEntry(name, (M5,)) for name in names])
    listings: dict[str, ListingPeriod] = {}
    for i, name in enumerate(names):
        random_ledger(rng, repository, name, days)
        if i % 3 == 1:  # listed or delisted mid-range, or outside it: owes nothing
            listed, delisted = rng.choice(PERIODS)
            listings[name] = ListingPeriod(name, listed, delisted, delisted is None, FETCHED)
    clock = FixedClock(NOW)
    matrix = CoverageMatrixService(repository, registry, calendar, clock, Listed(listings))
    summaries = CoverageService(
        repository, calendar, clock, timedelta(hours=1), listings=Listed(listings)
    )

    rows = matrix.matrix(M5, SessionKind.RTH, start=FIRST, end=LAST).rows
    assert [row.symbol for row in rows] == sorted(names)
    owing_nothing = 0
    for row in rows:
        summary = summaries.summary(row.symbol, M5, SessionKind.RTH, FIRST, LAST)
        assert (row.covered, row.owed) == (summary.covered, summary.expected), row.symbol
        assert row.complete == completeness(summary.covered, summary.expected)
        share = None if row.owed == 0 else 100 * row.covered / row.owed
        assert share == summary.percent, row.symbol
        owing_nothing += row.owed == 0
    assert 0 < owing_nothing < len(rows)  # both kinds were drawn


def test_own_session_rows_are_the_entries_of_that_session(calendar: ExchangeCalendar) -> None:
    registry = MemoryRegistry()
    registry.put_many(
        [
            SymbolEntry("AAA", (Timeframe.M1,), SessionKind.RTH),
            SymbolEntry("BBB", (Timeframe.D1,), SessionKind.ETH),
            SymbolEntry("CCC", (Timeframe.M1, M5), SessionKind.ETH),
            SymbolEntry("DDD", (Timeframe.H1,), SessionKind.RTH, active=False),
        ]
    )
    matrix = CoverageMatrixService(MemoryRepository(), registry, calendar, FixedClock(NOW))

    def symbols(session: SessionKind, *, own_session: bool) -> list[str]:
        found = matrix.matrix(M5, session, 3, own_session=own_session)
        return [row.symbol for row in found.rows]

    assert symbols(SessionKind.RTH, own_session=True) == ["AAA", "DDD"]
    assert symbols(SessionKind.ETH, own_session=True) == ["BBB", "CCC"]
    assert symbols(SessionKind.ETH, own_session=False) == ["CCC"]  # registered for 5m
    (ddd,) = matrix.matrix(M5, SessionKind.RTH, 3, prefix="d", own_session=True).rows
    # Two whole sessions of 78 slots, then 09:30 to 11:30 of the one under way.
    assert ddd.codes == "444" and ddd.covered == 0 and ddd.owed == 78 + 78 + 24


def test_a_slot_a_span_ends_inside_is_owed_and_missing(calendar: ExchangeCalendar) -> None:
    """A final span cut two minutes before Friday's close: its last 5m slot is neither
    covered nor forgotten. (The matrix once left such a slot out of what a row owes, so
    the row read 100.0 complete and the cell final while /gaps found the gap.)"""
    repository = MemoryRepository()
    registry = MemoryRegistry()
    registry.put(SymbolEntry("CUT", (M5,)))
    (friday,) = calendar.sessions(date(2024, 11, 22), date(2024, 11, 22), SessionKind.RTH)
    cut = Interval(friday.open, friday.close - timedelta(minutes=2))
    span = CoverageSpan(cut, CoverageStatus.FINAL, "x")
    repository.write(BarBatch("CUT", M5, [], "x", None, (span,)))
    clock = FixedClock(NOW)
    coverage = CoverageService(repository, calendar, clock, timedelta(hours=1))
    friday_date = friday.date

    (row,) = (
        CoverageMatrixService(repository, registry, calendar, clock)
        .matrix(M5, SessionKind.RTH, start=friday_date, end=friday_date)
        .rows
    )
    summary = coverage.summary("CUT", M5, SessionKind.RTH, friday_date, friday_date)
    gaps = coverage.missing("CUT", M5, SessionKind.RTH, friday_date, friday_date).missing

    assert (row.covered, row.owed) == (77, 78) == (summary.covered, summary.expected)
    assert summary.missing == 1 and row.codes == "4" and row.complete == 98.7
    assert gaps == [Interval(cut.end, friday.close)]


class BarCounting(MemoryRepository):
    def __init__(self) -> None:
        super().__init__()
        self.bar_reads = 0

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        self.bar_reads += 1
        return super().bar_counts(symbols, timeframe, windows)


def test_rows_without_cells_are_the_same_counts_and_read_no_bar(
    calendar: ExchangeCalendar,
) -> None:
    rng = random.Random(5)
    repository = BarCounting()
    registry = MemoryRegistry()
    days = [slot_window(s, M5) for s in calendar.sessions(FIRST, LAST, SessionKind.RTH)]
    names = [f"R{i}" for i in range(20)]
    registry.put_many([SymbolEntry(name, (M5,)) for name in names])
    for name in names:
        random_ledger(rng, repository, name, days)
    whole_day = CoverageSpan(days[0], CoverageStatus.FINAL, "x")  # a cell its bars decide
    repository.write(BarBatch("R0", M5, [], "x", None, (whole_day,)))
    matrix = CoverageMatrixService(repository, registry, calendar, FixedClock(NOW))

    whole = matrix.matrix(M5, SessionKind.RTH, start=FIRST, end=LAST)
    assert repository.bar_reads > 0
    repository.bar_reads = 0
    bare = matrix.matrix(M5, SessionKind.RTH, start=FIRST, end=LAST, cells=False)

    assert repository.bar_reads == 0
    assert bare.days == whole.days
    for with_cells, alone in zip(whole.rows, bare.rows, strict=True):
        assert alone.codes == "" and alone.percent == ()
        assert (alone.symbol, alone.covered, alone.owed, alone.complete) == (
            with_cells.symbol,
            with_cells.covered,
            with_cells.owed,
            with_cells.complete,
        )


def test_rows_without_cells_read_up_to_ten_years(calendar: ExchangeCalendar) -> None:
    registry = MemoryRegistry()
    registry.put(SymbolEntry("AAA", (Timeframe.D1,)))
    matrix = CoverageMatrixService(MemoryRepository(), registry, calendar, FixedClock(NOW))
    years = (date(2015, 1, 2), date(2024, 11, 22))  # 2,488 sessions
    (row,) = matrix.matrix(
        Timeframe.D1, SessionKind.RTH, start=years[0], end=years[1], cells=False
    ).rows
    assert row.owed == len(calendar.sessions(*years, SessionKind.RTH)) > 2_400
    with pytest.raises(InvalidRange, match="at most 260"):
        matrix.matrix(Timeframe.D1, SessionKind.RTH, start=years[0], end=years[1])
    with pytest.raises(InvalidRange, match="at most 2600"):
        matrix.matrix(
            Timeframe.D1, SessionKind.RTH, start=date(2010, 1, 4), end=years[1], cells=False
        )
