"""``TradingCalendar`` over the exchange_calendars package (XNYS by default).

exchange_calendars knows regular hours, holidays and early closes. Extended hours are
derived from the session date: 04:00-20:00 New York, ending at 17:00 on early-close
days (the exchanges' late session closes early too). The calendar is built once, for
explicit bounds: the library's default window moves with today's date, which would make
yesterday's answers drift.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time
from functools import cache, cached_property
from zoneinfo import ZoneInfo

from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.session import Session, SessionKind

DEFAULT_FIRST = date(1990, 1, 1)
DEFAULT_LAST = date(2035, 12, 31)

_NEW_YORK = ZoneInfo("America/New_York")
_REGULAR_CLOSE = time(16, 0)
_ETH_OPEN = time(4, 0)
_ETH_CLOSE = time(20, 0)
_ETH_EARLY_CLOSE = time(17, 0)


class ExchangeCalendar:
    def __init__(
        self, code: str = "XNYS", first: date = DEFAULT_FIRST, last: date = DEFAULT_LAST
    ) -> None:
        import exchange_calendars  # heavy (pandas); imported only when a calendar is built

        try:
            with warnings.catch_warnings():
                # exchange_calendars 4.x reads Series.values of tz-aware data, which
                # pandas 3.1 deprecates; the values it gets are still right (UTC).
                warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
                calendar = exchange_calendars.get_calendar(
                    code, start=first.isoformat(), end=last.isoformat()
                )
        except exchange_calendars.errors.InvalidCalendarName:
            raise InvalidInput(f"unknown exchange calendar {code!r}") from None
        except ValueError as exc:
            raise InvalidRange(f"calendar {code} cannot cover {first}..{last}: {exc}") from None
        self.name = code
        schedule = calendar.schedule
        self._dates: list[date] = [stamp.date() for stamp in schedule.index]
        opens = [stamp.to_pydatetime().astimezone(UTC) for stamp in schedule["open"]]
        closes = [stamp.to_pydatetime().astimezone(UTC) for stamp in schedule["close"]]
        self._rth = [
            Session(day, opened, closed, _local_time(closed) < _REGULAR_CLOSE)
            for day, opened, closed in zip(self._dates, opens, closes, strict=True)
        ]
        self._first = self._dates[0] if first < self._dates[0] else first
        self._last = last

    @cached_property
    def _eth(self) -> list[Session]:
        return [_extended(session) for session in self._rth]

    @property
    def first_date(self) -> date:
        return self._first

    @property
    def last_date(self) -> date:
        return self._last

    def sessions(self, start: date, end: date, kind: SessionKind) -> list[Session]:
        for day in (start, end):
            if not self._first <= day <= self._last:
                raise InvalidRange(
                    f"{day} is outside the {self.name} calendar ({self._first} .. {self._last})"
                )
        lo = bisect_left(self._dates, start)
        hi = bisect_right(self._dates, end)
        chosen = self._rth if kind is SessionKind.RTH else self._eth
        return chosen[lo:hi]


@cache
def load_calendar(
    code: str = "XNYS", first: date = DEFAULT_FIRST, last: date = DEFAULT_LAST
) -> ExchangeCalendar:
    """One shared, immutable calendar per (code, bounds) in a process: building one
    takes most of a second."""
    return ExchangeCalendar(code, first, last)


def _local_time(moment: datetime) -> time:
    return moment.astimezone(_NEW_YORK).time()


def _extended(regular: Session) -> Session:
    close = _ETH_EARLY_CLOSE if regular.early_close else _ETH_CLOSE
    return Session(
        regular.date,
        datetime.combine(regular.date, _ETH_OPEN, _NEW_YORK).astimezone(UTC),
        datetime.combine(regular.date, close, _NEW_YORK).astimezone(UTC),
        regular.early_close,
    )
