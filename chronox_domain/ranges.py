"""Turning what a user asked for (dates or instants) into a UTC window and its sessions.

A bound given as a ``date`` means a session date, and both date bounds are inclusive:
``start`` opens with the first session on or after it, ``end`` closes with the last
session on or before it. A bound given as a ``datetime`` is an instant; the end instant
is exclusive. Windows are widened to the timeframe's slot grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chronox_domain.errors import InvalidRange
from chronox_domain.interval import Interval
from chronox_domain.ports import TradingCalendar
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

Bound = date | datetime

#: How far back to look for the default range of recent completed sessions.
_LOOKBACK = timedelta(days=21)
DEFAULT_SESSIONS = 5


@dataclass(frozen=True, slots=True)
class ResolvedRange:
    window: Interval
    sessions: list[Session]


def resolve_range(
    calendar: TradingCalendar,
    kind: SessionKind,
    timeframe: Timeframe,
    start: Bound | None,
    end: Bound | None,
    now: datetime,
) -> ResolvedRange:
    """The slot-aligned window the user meant, and the sessions that touch it.

    With no bounds: the last :data:`DEFAULT_SESSIONS` sessions that have closed.
    Raises ``InvalidRange`` for an empty or inverted range, or dates the calendar
    does not know.
    """
    for bound in (start, end):
        if bound is not None:
            _check_known(calendar, bound)  # first: a day before date.min cannot be computed
    if start is None and end is None:
        recent = _completed_sessions(calendar, kind, now)[-DEFAULT_SESSIONS:]
        start, end = recent[0].date, recent[-1].date
    elif start is None:
        assert end is not None
        start = _day(end) - _LOOKBACK
    elif end is None:
        end = now
    if _day(end) < _day(start):
        raise InvalidRange(f"end {_show(end)} is before start {_show(start)}")

    first_day = max(_day(start) - timedelta(days=1), calendar.first_date)
    last_day = min(_day(end) + timedelta(days=1), calendar.last_date)
    sessions = calendar.sessions(first_day, last_day, kind) if first_day <= last_day else []

    window_start = _start_of(start, sessions, timeframe)
    window_end = _end_of(end, sessions, timeframe)
    if window_start is None or window_end is None or window_start >= window_end:
        raise InvalidRange(f"no trading sessions between {_show(start)} and {_show(end)}")
    window = Interval(window_start, window_end)
    touching = [s for s in sessions if slot_window(s, timeframe).overlaps(window)]
    return ResolvedRange(window, touching)


def _completed_sessions(
    calendar: TradingCalendar, kind: SessionKind, now: datetime
) -> list[Session]:
    last = min(now.date(), calendar.last_date)
    first = max(last - _LOOKBACK, calendar.first_date)
    done = [s for s in calendar.sessions(first, last, kind) if s.close <= now]
    if not done:
        raise InvalidRange(f"the calendar has no completed session before {now.date()}")
    return done


def _check_known(calendar: TradingCalendar, bound: Bound) -> None:
    if isinstance(bound, datetime) and bound.tzinfo is None:
        raise InvalidRange(f"{_show(bound)} has no time zone")
    if not calendar.first_date <= _day(bound) <= calendar.last_date:
        raise InvalidRange(
            f"{_show(bound)} is outside the {calendar.name} calendar "
            f"({calendar.first_date} .. {calendar.last_date})"
        )


def _start_of(bound: Bound, sessions: list[Session], timeframe: Timeframe) -> datetime | None:
    if isinstance(bound, datetime):
        return timeframe.floor(bound)
    for session in sessions:
        if session.date >= bound:
            return slot_window(session, timeframe).start
    return None


def _end_of(bound: Bound, sessions: list[Session], timeframe: Timeframe) -> datetime | None:
    if isinstance(bound, datetime):
        return timeframe.ceil(bound)
    for session in reversed(sessions):
        if session.date <= bound:
            return slot_window(session, timeframe).end
    return None


def _day(bound: Bound) -> date:
    return bound.date() if isinstance(bound, datetime) else bound


def _show(bound: Bound) -> str:
    return bound.isoformat()
