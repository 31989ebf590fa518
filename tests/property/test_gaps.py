"""Gap windows and holes against the minute-set model.

Notation in the docstrings (all sets of minutes): ``E`` expected time (the slot
windows of the sessions), ``R`` the asked range, ``H`` the settled time before the
horizon, ``F`` final coverage, ``P`` provisional coverage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRepository, MemorySource
from chronox_domain.bar import Bar
from chronox_domain.coverage import (
    CoverageSpan,
    CoverageStatus,
    covered_for_gaps,
    merge_spans,
    spans_for_fetch,
)
from chronox_domain.gaps import GapWindow, find_gaps, find_holes
from chronox_domain.interval import Interval, IntervalList, normalize
from chronox_domain.ports import BarBatch
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.ingestion import IngestionService, IngestRequest
from chronox_domain.session import Session, SessionKind, expected_windows, slot_window
from chronox_domain.timeframe import Timeframe
from tests.property.strategies import (
    INTRADAY,
    SOURCES,
    at,
    grid_minutes,
    grid_windows,
    intervals,
    is_normalised,
    ledgers,
    minute_of,
    minutes_in,
    sessions,
    slot_minutes,
    span_of,
)


@dataclass(frozen=True)
class Scenario:
    """Sessions, a raw ledger, a horizon, an asked range and an until-now limit."""

    timeframe: Timeframe
    sessions: list[Session]
    ledger: list[CoverageSpan]
    horizon: int
    asked: Interval
    limit: int  # at or after the horizon: how far an until-now query reaches

    @property
    def expected(self) -> IntervalList:
        return expected_windows(self.sessions, self.timeframe)

    def minutes_of_status(self, status: CoverageStatus) -> set[int]:
        return minutes_in(span.interval for span in self.ledger if span.status is status)

    def gaps_until(self, end: int) -> IntervalList:
        """What the coverage service computes for the asked range cut at ``end``."""
        if minute_of(self.asked.start) >= end:
            return []
        window = Interval(self.asked.start, min(self.asked.end, at(end)))
        return find_gaps(self.expected, covered_for_gaps(self.ledger, at(self.horizon)), window)

    @property
    def gaps(self) -> IntervalList:
        """Gap windows proper: settled time only."""
        return self.gaps_until(self.horizon)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    timeframe = draw(st.sampled_from(INTRADAY))
    drawn = draw(sessions())
    span = span_of(drawn)
    start, end = draw(st.one_of(grid_windows(timeframe, span), minute_windows(span)))
    horizon = draw(st.one_of(st.just(span), grid_minutes(timeframe, span)))
    return Scenario(
        timeframe=timeframe,
        sessions=drawn,
        ledger=draw(ledgers(timeframe, span)),
        horizon=horizon,
        asked=Interval(at(start), at(end)),
        limit=draw(st.integers(horizon, span)),
    )


def minute_windows(span: int) -> st.SearchStrategy[tuple[int, int]]:
    """Any non-empty ``(start, end)`` minutes inside ``[0, span]``, on a grid or not."""
    return st.integers(0, span - 1).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, span))
    )


def before(minute: int, minutes: set[int]) -> set[int]:
    return {m for m in minutes if m < minute}


def settled_expected(s: Scenario) -> set[int]:
    """``E ∩ R ∩ H``: the expected time a gap query may report."""
    return before(s.horizon, minutes_in(s.expected) & minutes_in([s.asked]))


# -- the ledger the gaps read ---------------------------------------------------------

Answer = tuple[CoverageStatus, str]


@st.composite
def fetches(draw: st.DrawFn) -> list[CoverageSpan]:
    """What one fetch adds to the ledger: a historical fetch split at its horizon, or a
    stretch of live (provisional) bars."""
    window = draw(intervals(span=120))
    source = draw(st.sampled_from(SOURCES))
    if draw(st.booleans()):
        return spans_for_fetch(window, source, at(draw(st.integers(0, 120))))
    return [CoverageSpan(window, CoverageStatus.PROVISIONAL, source)]


def record_in_model(model: dict[int, Answer], added: list[CoverageSpan]) -> None:
    """Newer answers win minute by minute, but provisional never replaces final."""
    for span in added:
        for minute in minutes_in([span.interval]):
            held = model.get(minute)
            if span.status is CoverageStatus.FINAL or held is None or held[0] is not CoverageStatus.FINAL:
                model[minute] = (span.status, span.source)


def answers_of(ledger: list[CoverageSpan]) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for span in ledger:
        for minute in minutes_in([span.interval]):
            assert minute not in answers, f"entries overlap at minute {minute}"
            answers[minute] = (span.status, span.source)
    return answers


@given(st.lists(fetches(), max_size=8))
def test_the_ledger_keeps_the_latest_answer_per_minute_and_final_beats_provisional(history):
    ledger: list[CoverageSpan] = []
    model: dict[int, Answer] = {}
    for added in history:
        ledger = merge_spans(ledger, added)
        record_in_model(model, added)
        assert answers_of(ledger) == model


@given(st.lists(fetches(), max_size=8))
def test_the_ledger_is_sorted_and_merged_per_status_and_source(history):
    ledger: list[CoverageSpan] = []
    for added in history:
        ledger = merge_spans(ledger, added)
    assert ledger == sorted(ledger, key=lambda span: span.interval.start)
    for status in CoverageStatus:
        for source in SOURCES:
            mine = [span.interval for span in ledger if (span.status, span.source) == (status, source)]
            assert is_normalised(mine)


# -- gap windows ----------------------------------------------------------------------


@given(scenarios())
def test_gaps_lie_inside_expected_time_and_the_settled_asked_range(s):
    assert minutes_in(s.gaps) <= settled_expected(s)


@given(scenarios())
def test_gaps_never_overlap_final_coverage(s):
    assert not minutes_in(s.gaps) & s.minutes_of_status(CoverageStatus.FINAL)


@given(scenarios())
def test_gaps_and_final_coverage_partition_the_settled_expected_time(s):
    """``G ∪ (E ∩ R ∩ H ∩ F) = E ∩ R ∩ H``, and the two parts are disjoint.

    ``H`` is the horizon clipping: a gap query never looks past the horizon, so
    provisional coverage (which only counts after it) plays no part here.
    """
    gaps = minutes_in(s.gaps)
    covered = settled_expected(s) & s.minutes_of_status(CoverageStatus.FINAL)
    assert gaps | covered == settled_expected(s)
    assert not gaps & covered


@given(scenarios())
def test_gap_windows_are_sorted_disjoint_and_merged(s):
    assert is_normalised(s.gaps)


@given(scenarios())
def test_a_gap_window_never_spans_closed_time(s):
    for gap in s.gaps:
        assert any(w.start <= gap.start and gap.end <= w.end for w in s.expected), str(gap)


@given(scenarios())
def test_provisional_coverage_counts_only_when_younger_than_the_horizon(s):
    """Up to ``limit`` (an until-now query): ``G' = (E ∩ R ∩ [.., limit)) − F − (P ∩ [h, ..))``.

    So provisional coverage older than the horizon is a gap again, younger is not.
    """
    wanted = before(s.limit, minutes_in(s.expected) & minutes_in([s.asked]))
    young = {m for m in s.minutes_of_status(CoverageStatus.PROVISIONAL) if m >= s.horizon}
    final = s.minutes_of_status(CoverageStatus.FINAL)
    assert minutes_in(s.gaps_until(s.limit)) == wanted - final - young


@given(scenarios())
def test_gaps_with_an_empty_ledger_are_all_the_settled_expected_time(s):
    empty = Scenario(s.timeframe, s.sessions, [], s.horizon, s.asked, s.limit)
    assert minutes_in(empty.gaps) == settled_expected(s)


# -- holes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HoleScenario:
    timeframe: Timeframe
    expected: IntervalList
    final: IntervalList
    bar_starts: list[datetime]

    @property
    def holes(self) -> IntervalList:
        return find_holes(self.final, self.expected, self.bar_starts, self.timeframe)

    def covered_slots(self) -> set[int]:
        """Start minutes of the slots inside both expected time and final coverage."""
        step = slot_minutes(self.timeframe)
        inside = minutes_in(self.expected) & minutes_in(self.final)
        return {m for m in inside if m % step == 0}

    def slots_in(self, intervals: IntervalList) -> set[int]:
        step = slot_minutes(self.timeframe)
        return {m for m in minutes_in(intervals) if m % step == 0}


@st.composite
def hole_scenarios(draw: st.DrawFn) -> HoleScenario:
    timeframe = draw(st.sampled_from(INTRADAY))
    drawn = draw(sessions())
    span = span_of(drawn)
    step = slot_minutes(timeframe)
    ledger = draw(ledgers(timeframe, span))
    final = normalize(piece.interval for piece in ledger if piece.status is CoverageStatus.FINAL)
    # Bars anywhere on the grid, closed time included: those must not matter.
    rng = random.Random(draw(st.integers(0, 2**32)))
    density = draw(st.sampled_from([0.0, 0.3, 0.9, 1.0]))
    starts = [at(m) for m in range(0, span, step) if rng.random() < density]
    return HoleScenario(timeframe, expected_windows(drawn, timeframe), final, starts)


@given(hole_scenarios())
def test_holes_lie_inside_final_coverage_and_expected_time(h):
    holes = minutes_in(h.holes)
    assert holes <= minutes_in(h.final)
    assert holes <= minutes_in(h.expected)
    assert is_normalised(h.holes)


@given(hole_scenarios())
def test_every_hole_slot_holds_no_bar(h):
    bars = {minute_of(start) for start in h.bar_starts}
    assert not h.slots_in(h.holes) & bars
    assert all(minute_of(piece.start) % slot_minutes(h.timeframe) == 0 for piece in h.holes)


@given(hole_scenarios())
def test_every_covered_slot_outside_the_holes_holds_a_bar(h):
    bars = {minute_of(start) for start in h.bar_starts}
    assert h.covered_slots() - h.slots_in(h.holes) <= bars


@given(hole_scenarios())
def test_holes_are_exactly_the_covered_slots_without_a_bar(h):
    bars = {minute_of(start) for start in h.bar_starts}
    assert h.slots_in(h.holes) == h.covered_slots() - bars



# -- on the real XNYS calendar, through the services ----------------------------------

SYMBOL = "ILLQ"
LATER = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # long after 2024: everything settled
SETTLE_DELAYS = [timedelta(0), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3)]


@dataclass(frozen=True)
class CalendarRange:
    """Dates of 2024 with their sessions, a timeframe, a session kind and a clock."""

    timeframe: Timeframe
    kind: SessionKind
    first: date
    last: date
    sessions: list[Session]
    now: datetime
    settle: timedelta

    @property
    def expected(self) -> IntervalList:
        """``E ∩ R`` straight from the calendar: the slot windows of the range's sessions."""
        return expected_windows(self.sessions, self.timeframe)

    @property
    def window(self) -> Interval:
        return Interval(self.expected[0].start, self.expected[-1].end)

    @property
    def horizon(self) -> datetime:
        return self.timeframe.floor(self.now - self.settle)

    @property
    def limit(self) -> datetime:
        """How far an ingest fetches: up to the slot in progress."""
        return self.timeframe.floor(self.now)

    def expected_before(self, moment: datetime) -> set[int]:
        return before(minute_of(moment), minutes_in(self.expected))

    def request(self) -> IngestRequest:
        return IngestRequest((SYMBOL,), self.timeframe, self.kind, self.first, self.last)


@st.composite
def calendar_ranges(draw: st.DrawFn, calendar: ExchangeCalendar) -> CalendarRange:
    """One to three sessions of 2024, with weekends and holidays inside or around."""
    timeframe = draw(st.sampled_from(Timeframe))
    kind = draw(st.sampled_from(SessionKind))
    year = calendar.sessions(date(2024, 1, 1), date(2024, 12, 31), kind)
    anchor = year[draw(st.integers(0, len(year) - 4))].date
    first = anchor - timedelta(days=draw(st.integers(0, 2)))
    last = anchor + timedelta(days=draw(st.integers(0, 4)))
    chosen = calendar.sessions(first, last, kind)
    start = slot_window(chosen[0], timeframe).start
    span = slot_window(chosen[-1], timeframe).end - start
    # The clock is either long after the range, or inside it or just after it.
    permille = draw(st.one_of(st.none(), st.integers(0, 1200)))
    now = LATER
    if permille is not None:
        now = start + span * permille / 1000 + timedelta(seconds=draw(st.sampled_from([0, 30])))
    settle = draw(st.sampled_from(SETTLE_DELAYS))
    return CalendarRange(timeframe, kind, first, last, chosen, now, settle)


def coverage_service(r: CalendarRange, repository: MemoryRepository, calendar) -> CoverageService:
    return CoverageService(repository, calendar, FixedClock(r.now), r.settle)


def gaps_of(r: CalendarRange, coverage: CoverageService) -> list[GapWindow]:
    return coverage.gaps([SYMBOL], r.timeframe, r.kind, r.first, r.last)


def record(repository: MemoryRepository, timeframe: Timeframe, ledger: list[CoverageSpan]) -> None:
    """Record each span as the ledger entry of one earlier fetch, in order."""
    for span in ledger:
        repository.write(BarBatch(SYMBOL, timeframe, [], span.source, None, (span,)))


@given(data=st.data())
def test_service_gaps_are_the_settled_expected_time_minus_final_coverage(calendar, data):
    """Through ``CoverageService.gaps``: ``G = (E ∩ R ∩ H) − F`` on real sessions."""
    r = data.draw(calendar_ranges(calendar))
    margin = r.timeframe.step * 3
    origin = r.window.start - margin
    span = (r.window.duration + 2 * margin) // timedelta(minutes=1)
    ledger = data.draw(ledgers(r.timeframe, span, origin))
    repository = MemoryRepository()
    record(repository, r.timeframe, ledger)

    gaps = gaps_of(r, coverage_service(r, repository, calendar))

    final = minutes_in(span.interval for span in ledger if span.status is CoverageStatus.FINAL)
    assert minutes_in(g.interval for g in gaps) == r.expected_before(r.horizon) - final
    assert is_normalised([g.interval for g in gaps])
    for gap in gaps:
        assert (gap.symbol, gap.timeframe) == (SYMBOL, r.timeframe)
        assert gap.bars == gap.interval.duration // r.timeframe.step
        assert any(gap.interval.start >= w.start and gap.interval.end <= w.end for w in r.expected)


# -- end to end: ingestion against memory fakes ---------------------------------------


def source_bars(r: CalendarRange, rng: random.Random, density: float) -> list[Bar]:
    """Bars for a random share of the expected slots (thin trading leaves the rest empty),
    and a few in the closed time around them, which must never be stored."""
    expected = minutes_in(r.expected)
    step = r.timeframe.step
    margin = max(timedelta(hours=12), step)
    bars: list[Bar] = []
    slot = r.window.start - margin
    while slot < r.window.end + margin:
        inside = minute_of(slot) in expected
        if rng.random() < (density if inside else 0.1):
            bars.append(Bar(SYMBOL, r.timeframe, slot, 10.0, 11.0, 9.0, 10.5, 100.0))
        slot += step
    return bars


@dataclass
class Stack:
    repository: MemoryRepository
    source: MemorySource
    coverage: CoverageService
    ingestion: IngestionService

    @classmethod
    def build(cls, r: CalendarRange, calendar, bars: list[Bar], max_bars: int) -> Stack:
        repository = MemoryRepository()
        source = MemorySource(bars, max_bars=max_bars)
        coverage = coverage_service(r, repository, calendar)
        return cls(repository, source, coverage, IngestionService(repository, source, coverage))

    def stored(self, r: CalendarRange) -> list[Bar]:
        wide = Interval(r.window.start - timedelta(days=3), r.window.end + timedelta(days=3))
        return list(self.repository.bars(SYMBOL, r.timeframe, wide))


@st.composite
def stacks(draw: st.DrawFn, calendar: ExchangeCalendar) -> tuple[CalendarRange, list[Bar], int]:
    r = draw(calendar_ranges(calendar))
    rng = random.Random(draw(st.integers(0, 2**32)))
    density = draw(st.sampled_from([0.0, 0.2, 0.8, 1.0]))
    max_bars = draw(st.sampled_from([7, 60, 400, 50_000]))
    return r, source_bars(r, rng, density), max_bars


@settings(max_examples=60)
@given(data=st.data())
def test_ingestion_closes_every_gap_and_a_rerun_fetches_nothing(calendar, data):
    r, bars, max_bars = data.draw(stacks(calendar))
    stack = Stack.build(r, calendar, bars, max_bars)

    first = stack.ingestion.ingest(r.request())

    assert gaps_of(r, stack.coverage) == []
    asked = len(stack.source.requests)
    stored = stack.stored(r)
    second = stack.ingestion.ingest(r.request())
    assert len(stack.source.requests) == asked
    assert (second.requests, second.bars_written) == (0, 0)
    assert stack.stored(r) == stored
    # Stored: exactly the source's bars inside expected time, up to the slot in progress.
    wanted = r.expected_before(r.limit)
    assert stored == [bar for bar in bars if minute_of(bar.start) in wanted]
    assert first.bars_written == len(stored)


@settings(max_examples=60)
@given(data=st.data())
def test_holes_after_ingestion_are_the_settled_slots_the_source_had_no_bar_for(calendar, data):
    r, bars, max_bars = data.draw(stacks(calendar))
    stack = Stack.build(r, calendar, bars, max_bars)
    stack.ingestion.ingest(r.request())

    holes = stack.coverage.holes([SYMBOL], r.timeframe, r.kind, r.first, r.last)

    with_bar = {minute_of(bar.start) for bar in bars}
    step = slot_minutes(r.timeframe)
    settled_slots = {m for m in r.expected_before(r.horizon) if m % step == 0}
    hole_slots = {m for m in minutes_in(h.interval for h in holes) if m % step == 0}
    assert hole_slots == settled_slots - with_bar


@settings(max_examples=60)
@given(data=st.data(), wait=st.sampled_from([timedelta(minutes=1), timedelta(hours=2)]))
def test_provisional_coverage_becomes_a_gap_once_it_settles(calendar, data, wait):
    """After the clock moves on, the stretch fetched while unsettled is a gap again,
    exactly ``E ∩ R ∩ [old horizon, new horizon)``, and one more ingest closes it."""
    r, bars, max_bars = data.draw(stacks(calendar))
    stack = Stack.build(r, calendar, bars, max_bars)
    stack.ingestion.ingest(r.request())

    later = replace(r, now=r.now + r.settle + wait)
    stack.coverage = coverage_service(later, stack.repository, calendar)
    stack.ingestion = IngestionService(stack.repository, stack.source, stack.coverage)

    reopened = minutes_in(g.interval for g in gaps_of(later, stack.coverage))
    assert reopened == later.expected_before(later.horizon) - r.expected_before(r.horizon)
    stack.ingestion.ingest(later.request())
    assert gaps_of(later, stack.coverage) == []
    wanted = later.expected_before(later.limit)
    assert stack.stored(later) == [bar for bar in bars if minute_of(bar.start) in wanted]
