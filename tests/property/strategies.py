"""Hypothesis strategies and the brute-force model the property suites check against.

The model of an interval list is the set of whole minutes it contains, counted from
``BASE``. The ranges drawn here are small, so the model is obviously right where the
algebra is clever: a minute set per example costs microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.session import Session
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


def is_normalised(intervals: Sequence[Interval]) -> bool:
    """Sorted, disjoint and not touching (``Interval`` itself forbids empty pieces)."""
    return all(left.end < right.start for left, right in zip(intervals, intervals[1:]))


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
        status = draw(st.sampled_from(CoverageStatus))
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
