"""Gap windows and holes against the minute-set model.

Identities in the docstrings are written as Python set expressions over sets of minutes:
``E`` expected time (the slot windows of the sessions), ``R`` the asked range, ``H`` the
settled time before the horizon, ``F`` final coverage, ``P`` provisional coverage,
``G`` the gap windows.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from functools import cached_property

from hypothesis import given
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRepository, MemorySource
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import (
    CoverageSpan,
    CoverageStatus,
    covered_for_gaps,
    merge_spans,
    spans_for_fetch,
)
from chronox_domain.gaps import GapWindow, find_gaps, find_holes
from chronox_domain.interval import Interval, IntervalList, normalize
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.ingestion import IngestionService, IngestReport, IngestRequest
from chronox_domain.session import Session, expected_windows, slot_window
from chronox_domain.timeframe import Timeframe
from tests.property.strategies import (
    INTRADAY,
    SOURCES,
    CalendarRange,
    at,
    before,
    calendar_ranges,
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


def minute_windows(span: int) -> st.SearchStrategy[tuple[int, int]]:
    """Any non-empty ``(start, end)`` minutes inside ``[0, span]``, on a grid or not."""
    return st.integers(0, span - 1).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, span))
    )


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


def settled_expected(s: Scenario) -> set[int]:
    """``E & R & H``: the expected time a gap query may report."""
    return before(s.horizon, minutes_in(s.expected) & minutes_in([s.asked]))


# -- expected time --------------------------------------------------------------------


@given(st.sampled_from(INTRADAY), sessions(max_sessions=1))
def test_an_intraday_slot_window_spans_exactly_the_slots_its_session_touches(timeframe, one):
    (session,) = one
    window = slot_window(session, timeframe)
    step = slot_minutes(timeframe)
    touched = {m - m % step for m in minutes_in([session.interval])}
    assert {m for m in minutes_in([window]) if m % step == 0} == touched
    assert minute_of(window.start) % step == 0 and minute_of(window.end) % step == 0


@given(sessions(max_sessions=1))
def test_a_daily_slot_window_is_the_utc_day_of_the_session_date(one):
    (session,) = one
    midnight = datetime.combine(session.date, time(), UTC)
    assert slot_window(session, Timeframe.D1) == Interval(midnight, midnight + timedelta(days=1))


# -- the ledger the gaps read ---------------------------------------------------------

Answer = tuple[CoverageStatus, str, datetime | None]


@st.composite
def fetches(draw: st.DrawFn) -> list[CoverageSpan]:
    """What one fetch adds to the ledger: a historical fetch split at its horizon, or a
    stretch of live (provisional) bars."""
    window = draw(intervals(span=120))
    source = draw(st.sampled_from(SOURCES))
    kind = draw(st.sampled_from(["fetch", "live", "empty"]))
    if kind == "fetch":
        return spans_for_fetch(window, source, at(draw(st.integers(0, 120))))
    if kind == "empty":
        answered = at(draw(st.integers(0, 3)) * 60)
        return [CoverageSpan(window, CoverageStatus.UNCONFIRMED, source, answered)]
    return [CoverageSpan(window, CoverageStatus.PROVISIONAL, source)]


#: What an answer of each status may replace.
_REPLACES = {
    CoverageStatus.FINAL: set(CoverageStatus),
    CoverageStatus.UNCONFIRMED: {CoverageStatus.UNCONFIRMED, CoverageStatus.PROVISIONAL},
    CoverageStatus.PROVISIONAL: {CoverageStatus.PROVISIONAL},
}


def record_in_model(model: dict[int, Answer], added: list[CoverageSpan]) -> None:
    """Newer answers win minute by minute, but nothing replaces final, and provisional
    never replaces an unconfirmed empty answer (settled time awaiting its recheck)."""
    for span in added:
        for minute in minutes_in([span.interval]):
            held = model.get(minute)
            if held and held[0] not in _REPLACES[span.status]:
                continue
            model[minute] = (span.status, span.source, span.answered_at)


def answers_of(ledger: list[CoverageSpan]) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for span in ledger:
        for minute in minutes_in([span.interval]):
            assert minute not in answers, f"entries overlap at minute {minute}"
            answers[minute] = (span.status, span.source, span.answered_at)
    return answers


@given(st.lists(fetches(), max_size=8))
def test_the_ledger_keeps_the_latest_answer_per_minute_and_final_beats_the_rest(history):
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
    answered = {span.answered_at for span in ledger}
    for kind in itertools.product(CoverageStatus, SOURCES, answered):
        same_kind = [
            span.interval
            for span in ledger
            if (span.status, span.source, span.answered_at) == kind
        ]
        assert is_normalised(same_kind)


# -- gap windows ----------------------------------------------------------------------


@given(scenarios())
def test_gaps_lie_inside_expected_time_and_the_settled_asked_range(s):
    assert minutes_in(s.gaps) <= settled_expected(s)


@given(scenarios())
def test_gaps_never_overlap_final_coverage(s):
    assert not minutes_in(s.gaps) & s.minutes_of_status(CoverageStatus.FINAL)


@given(scenarios())
def test_gaps_and_final_coverage_partition_the_settled_expected_time(s):
    """``G | (E & R & H & F) == E & R & H``, and the two parts are disjoint.

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
    """Up to ``limit`` (an until-now query), with ``L`` the time before it and ``Y`` the
    time from the horizon on: ``G == (E & R & L) - F - (P & Y)``.

    So provisional coverage older than the horizon is a gap again, younger is not.
    """
    wanted = before(s.limit, minutes_in(s.expected) & minutes_in([s.asked]))
    young = {m for m in s.minutes_of_status(CoverageStatus.PROVISIONAL) if m >= s.horizon}
    final = s.minutes_of_status(CoverageStatus.FINAL)
    assert minutes_in(s.gaps_until(s.limit)) == wanted - final - young


@given(scenarios())
def test_gaps_with_an_empty_ledger_are_all_the_settled_expected_time(s):
    assert minutes_in(replace(s, ledger=[]).gaps) == settled_expected(s)


# -- holes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HoleScenario:
    """Expected time, final coverage and bar starts, all on one timeframe's grid.

    Slots are named by the minute they start at.
    """

    timeframe: Timeframe
    expected: IntervalList
    final: IntervalList
    bar_starts: list[datetime]

    @property
    def holes(self) -> IntervalList:
        return find_holes(self.final, self.expected, self.bar_starts, self.timeframe)

    def slots_of(self, minutes: set[int]) -> set[int]:
        return {m for m in minutes if m % slot_minutes(self.timeframe) == 0}

    @property
    def hole_slots(self) -> set[int]:
        return self.slots_of(minutes_in(self.holes))

    @property
    def covered_slots(self) -> set[int]:
        """The slots inside both expected time and final coverage."""
        return self.slots_of(minutes_in(self.expected) & minutes_in(self.final))

    @property
    def slots_with_a_bar(self) -> set[int]:
        return {minute_of(start) for start in self.bar_starts}


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
def test_holes_lie_inside_final_coverage_and_expected_time_on_the_slot_grid(h):
    holes = minutes_in(h.holes)
    assert holes <= minutes_in(h.final)
    assert holes <= minutes_in(h.expected)
    assert is_normalised(h.holes)
    step = slot_minutes(h.timeframe)
    assert all(minute_of(hole.start) % step == minute_of(hole.end) % step == 0 for hole in h.holes)


@given(hole_scenarios())
def test_every_hole_slot_holds_no_bar(h):
    assert not h.hole_slots & h.slots_with_a_bar


@given(hole_scenarios())
def test_every_covered_slot_outside_the_holes_holds_a_bar(h):
    assert h.covered_slots - h.hole_slots <= h.slots_with_a_bar


# -- on the real XNYS calendar, through the services ----------------------------------

SYMBOL = "ILLQ"


def coverage_service(
    r: CalendarRange,
    repository: MemoryRepository,
    calendar: ExchangeCalendar,
    recheck: timedelta = timedelta(hours=24),
) -> CoverageService:
    return CoverageService(repository, calendar, FixedClock(r.now), r.settle, recheck)


def gaps_of(r: CalendarRange, coverage: CoverageService) -> list[GapWindow]:
    return coverage.gaps([SYMBOL], r.timeframe, r.kind, r.start, r.end)


def request(r: CalendarRange) -> IngestRequest:
    return IngestRequest((SYMBOL,), r.timeframe, r.kind, r.start, r.end)


def record(repository: MemoryRepository, timeframe: Timeframe, ledger: list[CoverageSpan]) -> None:
    """Record each span as the ledger entry of one earlier fetch, in order."""
    for span in ledger:
        repository.write(BarBatch(SYMBOL, timeframe, [], span.source, None, (span,)))


@given(data=st.data())
def test_service_gaps_are_the_settled_expected_time_minus_final_coverage(calendar, data):
    """Through ``CoverageService.gaps`` on real sessions: ``G == (E & R & H) - F``."""
    r = data.draw(calendar_ranges(calendar))
    margin = r.timeframe.step * 3
    origin = r.around.start - margin
    span = (r.around.duration + 2 * margin) // timedelta(minutes=1)
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


@dataclass(frozen=True)
class Market:
    """What the source holds for a range: a random share of the expected slots (thin
    trading leaves the rest empty), and a few bars in the closed time around them,
    which must never be stored."""

    range: CalendarRange
    seed: int
    density: float
    max_bars: int

    @cached_property
    def bars(self) -> list[Bar]:
        r, rng = self.range, random.Random(self.seed)
        expected = minutes_in(r.expected)
        margin = max(timedelta(hours=12), r.timeframe.step)
        bars: list[Bar] = []
        slot = r.around.start - margin
        while slot < r.around.end + margin:
            share = self.density if minute_of(slot) in expected else 0.1
            if rng.random() < share:
                bars.append(Bar(SYMBOL, r.timeframe, slot, 10.0, 11.0, 9.0, 10.5, 100.0))
            slot += r.timeframe.step
        return bars

    def bars_inside(self, minutes: set[int]) -> list[Bar]:
        return [bar for bar in self.bars if minute_of(bar.start) in minutes]


@st.composite
def markets(draw: st.DrawFn, calendar: ExchangeCalendar) -> Market:
    return Market(
        range=draw(calendar_ranges(calendar)),
        seed=draw(st.integers(0, 2**32)),
        density=draw(st.sampled_from([0.0, 0.2, 0.8, 1.0])),
        max_bars=draw(st.sampled_from([7, 60, 400, 50_000])),
    )


@dataclass(frozen=True)
class Stack:
    """The services over memory fakes, at the range's clock."""

    range: CalendarRange
    repository: MemoryRepository
    source: MemorySource
    coverage: CoverageService
    ingestion: IngestionService

    @classmethod
    def build(
        cls, market: Market, calendar: ExchangeCalendar, recheck: timedelta = timedelta(hours=24)
    ) -> Stack:
        source = MemorySource(market.bars, max_bars=market.max_bars)
        return cls.over(market.range, MemoryRepository(), source, calendar, recheck)

    @classmethod
    def over(
        cls,
        r: CalendarRange,
        repository: MemoryRepository,
        source: MemorySource,
        calendar: ExchangeCalendar,
        recheck: timedelta = timedelta(hours=24),
    ) -> Stack:
        coverage = coverage_service(r, repository, calendar, recheck)
        return cls(r, repository, source, coverage, IngestionService(repository, source, coverage))

    def later(self, by: timedelta, calendar: ExchangeCalendar) -> Stack:
        """The same store and source, with the clock moved on."""
        moved = replace(self.range, now=self.range.now + by)
        return Stack.over(moved, self.repository, self.source, calendar)

    def ingest(self) -> IngestReport:
        return self.ingestion.ingest(request(self.range))

    def gaps(self) -> list[GapWindow]:
        return gaps_of(self.range, self.coverage)

    def holes(self) -> list[GapWindow]:
        r = self.range
        return self.coverage.holes([SYMBOL], r.timeframe, r.kind, r.start, r.end)

    def unconfirmed(self) -> list[GapWindow]:
        r = self.range
        return self.coverage.unconfirmed([SYMBOL], r.timeframe, r.kind, r.start, r.end)

    def stored(self) -> list[Bar]:
        r = self.range
        wide = Interval(r.around.start - timedelta(days=3), r.around.end + timedelta(days=3))
        return list(self.repository.bars(SYMBOL, r.timeframe, wide))


@given(data=st.data())
def test_ingestion_closes_every_gap_and_a_rerun_fetches_nothing(calendar, data):
    market = data.draw(markets(calendar))
    stack = Stack.build(market, calendar)
    r = market.range

    first = stack.ingest()

    assert stack.gaps() == []
    asked, stored = len(stack.source.requests), stack.stored()
    second = stack.ingest()
    assert len(stack.source.requests) == asked
    assert (second.requests, second.bars_written) == (0, 0)
    assert stack.stored() == stored
    # Exactly the source's bars inside expected time, up to the slot in progress.
    assert stored == market.bars_inside(r.expected_before(r.limit))
    assert first.bars_written == len(stored)


@given(data=st.data())
def test_holes_after_ingestion_are_the_settled_slots_the_source_had_no_bar_for(calendar, data):
    market = data.draw(markets(calendar))
    stack = Stack.build(market, calendar, recheck=timedelta(0))
    r = market.range
    stack.ingest()

    step = slot_minutes(r.timeframe)
    settled_slots = {m for m in r.expected_before(r.horizon) if m % step == 0}
    with_bar = {minute_of(bar.start) for bar in market.bars}
    hole_slots = {m for m in minutes_in(h.interval for h in stack.holes()) if m % step == 0}
    waiting = minutes_in(u.interval for u in stack.unconfirmed())
    # A window answered without a single bar is only unconfirmed after one asking ...
    assert hole_slots | {m for m in waiting if m % step == 0} == settled_slots - with_bar
    assert not hole_slots & waiting

    # ... and a hole once a second answer (the recheck is due at once here) agrees.
    report = stack.ingest()
    assert report.windows_empty == report.windows_rechecked
    assert not stack.unconfirmed()
    hole_slots = {m for m in minutes_in(h.interval for h in stack.holes()) if m % step == 0}
    assert hole_slots == settled_slots - with_bar


@given(data=st.data(), wait=st.sampled_from([timedelta(minutes=1), timedelta(hours=2)]))
def test_provisional_coverage_becomes_a_gap_once_it_settles(calendar, data, wait):
    """After the clock moves on, the stretch fetched while unsettled is a gap again,
    exactly ``E & R`` between the old and the new horizon, and one more ingest closes it."""
    market = data.draw(markets(calendar))
    stack = Stack.build(market, calendar)
    stack.ingest()

    later = stack.later(market.range.settle + wait, calendar)

    reopened = minutes_in(gap.interval for gap in later.gaps())
    r, moved = stack.range, later.range
    assert reopened == moved.expected_before(moved.horizon) - r.expected_before(r.horizon)
    later.ingest()
    assert later.gaps() == []
    assert later.stored() == market.bars_inside(moved.expected_before(moved.limit))


# -- unconfirmed empty answers ----------------------------------------------------------


@given(st.lists(fetches(), max_size=8), st.integers(0, 120), st.none() | st.integers(0, 240))
def test_an_empty_answer_is_no_gap_until_its_recheck_is_due(history, horizon, due):
    """``covered == F | (P & Y) | (U answered after the due moment)``: an unconfirmed
    answer keeps its time off the gap list, until a second asking is due (never, in a
    gap listing, which passes no due moment)."""
    ledger: list[CoverageSpan] = []
    for added in history:
        ledger = merge_spans(ledger, added)
    recheck_before = None if due is None else at(due)
    covered = minutes_in(covered_for_gaps(ledger, at(horizon), recheck_before))

    def waiting(answered_at: datetime | None) -> bool:
        if recheck_before is None:
            return True
        return answered_at is not None and answered_at > recheck_before

    expected = {
        minute
        for minute, (status, _, answered_at) in answers_of(ledger).items()
        if status is CoverageStatus.FINAL
        or (status is CoverageStatus.PROVISIONAL and minute >= horizon)
        or (status is CoverageStatus.UNCONFIRMED and waiting(answered_at))
    }
    assert covered == expected
