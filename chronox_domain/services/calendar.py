"""The exchange's sessions over a range of dates: what a calendar-slot axis lays out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chronox_domain.errors import InvalidRange
from chronox_domain.ports import Clock, TradingCalendar
from chronox_domain.session import Session, SessionKind

#: The most days one call may span (about 40 years of sessions).
MAX_DAYS = 15_000


class CalendarService:
    def __init__(self, calendar: TradingCalendar, clock: Clock) -> None:
        self._calendar = calendar
        self._clock = clock

    def sessions(
        self, start: date | datetime | None, end: date | datetime | None, kind: SessionKind
    ) -> list[Session]:
        """Sessions dated ``start``..``end`` (both inclusive; an instant counts as its
        date at the exchange), sorted by date. ``end`` defaults to today at the exchange,
        ``start`` to a week before ``end``.

        Raises ``InvalidRange`` for an inverted range, one past ``MAX_DAYS``, or one the
        calendar does not hold."""
        last = self._day(end) if end is not None else self._day(self._clock.now())
        first = self._day(start) if start is not None else last - timedelta(days=7)
        if first > last:
            raise InvalidRange(f"start {first} is after end {last}")
        if (last - first).days > MAX_DAYS:
            raise InvalidRange(f"{first}..{last} spans more than {MAX_DAYS} days")
        return self._calendar.sessions(first, last, kind)

    def _day(self, bound: date | datetime) -> date:
        if isinstance(bound, datetime):
            return bound.astimezone(self._calendar.timezone).date()
        return bound
