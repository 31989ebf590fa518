"""Hypothesis strategies and the brute-force model the property suites check against.

The model of an interval list is the set of whole minutes it contains, counted from
``BASE``. The ranges drawn here are small, so the model is obviously right where the
algebra is clever: a minute set per example costs microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import strategies as st

from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval, IntervalList, clip
from chronox_domain.ports import TradingCalendar
from chronox_domain.ranges import Bound
from chronox_domain.session import Session, SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe

#: Midnight UTC on a Monday: on the slot grid of every timeframe.
BASE = datetime(2024, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
INTRADAY = (Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1)
SOURCES = ("alpha", "beta")


# -- the model ------------------------------------------------------------------------


def at(minute: int) -> datetime:
    return BASE + minute * MINUTE


def minute_of(moment: datetime) -> int:
    return (moment - BASE) // MINUTE


def minutes_in(intervals: Iterable[Interval]) -> set[int]:
    """Every whole minute the intervals contain (their bounds are whole minutes)."""
    minutes: set[int] = set()
    for piece in intervals:
        minutes.update(range(minute_of(piece.start), minute_of(piece.end)))
    return minutes


def runs(minutes: Iterable[int]) -> list[Interval]:
    """The normalised interval list of a minute set: one interval per maximal run."""
    result: list[Interval] = []
    for minute in sorted(set(minutes)):
        if result and minute_of(result[-1].end) == minute:
            result[-1] = Interval(result[-1].start, at(minute + 1))
        else:
            result.append(Interval(at(minute), at(minute + 1)))
    return result


def before(minute: int, minutes: set[int]) -> set[int]:
    return {m for m in minutes if m < minute}


def is_normalised(intervals: Sequence[Interval]) -> bool:
    """Sorted, disjoint and not touching (``Interval`` itself forbids empty pieces)."""
    return all(left.end < right.start for left, right in pairwise(intervals))


def slot_minutes(timeframe: Timeframe) -> int:
    return timeframe.seconds // 60


# -- interval lists -------------------------------------------------------------------


def normalised_lists(span: int = 60) -> st.SearchStrategy[list[Interval]]:
    """Normalised lists inside ``[0, span)`` minutes, from any set of minutes."""
    return st.sets(st.integers(0, span - 1), max_size=span).map(runs)


def intervals(span: int = 60) -> st.SearchStrategy[Interval]:
    return st.builds(
        lambda start, length: Interval(at(start), at(min(start + length, span))),
        st.integers(0, span - 1),
        st.integers(1, span),
    )


def raw_lists(span: int = 60) -> st.SearchStrategy[list[Interval]]:
    """Unsorted lists whose intervals may overlap, touch or repeat."""
    return st.lists(intervals(span), max_size=10)


# -- sessions and ledgers -------------------------------------------------------------


@st.composite
def sessions(draw: st.DrawFn, min_sessions: int = 1, max_sessions: int = 5) -> list[Session]:
    """Sorted, non-overlapping sessions opening and closing on arbitrary minutes.

    Their slot windows on a coarse grid may touch or overlap; ``expected_windows``
    must cope with that.
    """
    result: list[Session] = []
    minute = draw(st.integers(0, 90))
    for _ in range(draw(st.integers(min_sessions, max_sessions))):
        length = draw(st.integers(1, 300))
        opened, closed = at(minute), at(minute + length)
        result.append(Session(opened.date(), opened, closed))
        minute += length + draw(st.integers(1, 600))
    return result


def span_of(sessions_: Sequence[Session]) -> int:
    """A minute bound past every slot window of ``sessions_`` on every intraday grid."""
    last = minute_of(sessions_[-1].close) if sessions_ else 0
    return last + 2 * slot_minutes(Timeframe.H1)


@st.composite
def ledgers(
    draw: st.DrawFn,
    timeframe: Timeframe,
    span: int,
    origin: datetime = BASE,
    max_spans: int = 6,
) -> list[CoverageSpan]:
    """Coverage spans on the slot grid of ``timeframe``, ``span`` minutes from ``origin``.

    Drawn raw (possibly overlapping, in any order): the gap logic must not rely on
    the ledger having been merged. ``origin`` must lie on the grid.
    """
    step = timeframe.step
    slots = max(span // slot_minutes(timeframe), 1)
    result: list[CoverageSpan] = []
    for _ in range(draw(st.integers(0, max_spans))):
        first = draw(st.integers(0, slots - 1))
        length = draw(st.integers(1, max(slots // 3, 1)))
        # Unconfirmed empty answers have properties of their own (test_gaps.py).
        status = draw(st.sampled_from([CoverageStatus.FINAL, CoverageStatus.PROVISIONAL]))
        source = draw(st.sampled_from(SOURCES))
        piece = Interval(origin + first * step, origin + (first + length) * step)
        result.append(CoverageSpan(piece, status, source))
    return result


def grid_minutes(timeframe: Timeframe, span: int) -> st.SearchStrategy[int]:
    """A minute on the slot grid of ``timeframe`` inside ``[0, span]``."""
    step = slot_minutes(timeframe)
    return st.integers(0, span // step).map(lambda slot: slot * step)


@st.composite
def grid_windows(draw: st.DrawFn, timeframe: Timeframe, span: int) -> tuple[int, int]:
    """``(start, end)`` minutes on the slot grid of ``timeframe`` inside ``[0, span]``:
    often the whole span, otherwise any non-empty part of it."""
    step = slot_minutes(timeframe)
    slots = max(span // step, 1)
    if draw(st.booleans()):
        return 0, slots * step
    first = draw(st.integers(0, slots - 1))
    return first * step, draw(st.integers(first + 1, slots)) * step


# -- ranges of the real calendar ------------------------------------------------------

LATER = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # long after 2024: everything settled
SETTLE_DELAYS = (timedelta(0), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))


@dataclass(frozen=True)
class CalendarRange:
    """A range of 2024 as a user asks for it (dates or instants), and a clock."""

    timeframe: Timeframe
    kind: SessionKind
    start: Bound
    end: Bound
    #: ``E & R``, worked out from the calendar's sessions without ``resolve_range``.
    expected: IntervalList
    #: A stretch of time holding the whole range.
    around: Interval
    now: datetime
    settle: timedelta

    @property
    def horizon(self) -> datetime:
        return self.timeframe.floor(self.now - self.settle)

    @property
    def limit(self) -> datetime:
        """How far an ingest fetches: up to the slot in progress."""
        return self.timeframe.floor(self.now)

    def expected_before(self, moment: datetime) -> set[int]:
        return before(minute_of(moment), minutes_in(self.expected))


@st.composite
def calendar_ranges(draw: st.DrawFn, calendar: TradingCalendar) -> CalendarRange:
    """A few days of 2024 around a session, weekends and holidays included, asked for
    by session dates (both inclusive) or by instants (end exclusive)."""
    timeframe = draw(st.sampled_from(Timeframe))
    kind = draw(st.sampled_from(SessionKind))
    year = calendar.sessions(date(2024, 1, 1), date(2024, 12, 31), kind)
    anchor = year[draw(st.integers(0, len(year) - 4))]
    start: Bound
    end: Bound
    if draw(st.booleans()):
        start = anchor.date - timedelta(days=draw(st.integers(0, 2)))
        end = anchor.date + timedelta(days=draw(st.integers(0, 4)))
        expected = expected_windows(calendar.sessions(start, end, kind), timeframe)
        around = Interval(expected[0].start, expected[-1].end)
    else:
        seconds = draw(st.sampled_from([0, 30]))
        start = anchor.open + timedelta(minutes=draw(st.integers(-900, 900)), seconds=seconds)
        end = start + timedelta(minutes=draw(st.integers(1, 3 * 1440)))
        around = Interval(timeframe.floor(start), timeframe.ceil(end))
        nearby = calendar.sessions(
            start.date() - timedelta(days=3), end.date() + timedelta(days=3), kind
        )
        expected = clip(expected_windows(nearby, timeframe), around)
    # The clock is either long after the range, or inside it or just after it.
    permille = draw(st.one_of(st.none(), st.integers(0, 1200)))
    now = LATER
    if permille is not None:
        now = around.start + around.duration * permille / 1000
        now += timedelta(seconds=draw(st.sampled_from([0, 30])))
    settle = draw(st.sampled_from(SETTLE_DELAYS))
    return CalendarRange(timeframe, kind, start, end, expected, around, now, settle)
