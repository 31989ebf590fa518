"""``TradingCalendar`` over the exchange_calendars package (XNYS by default).

exchange_calendars knows regular hours, holidays and early closes. The calendar is built
once, for explicit bounds: the library's default window moves with today's date, which
would make yesterday's answers drift. Building one imports pandas and takes most of a
second, so :func:`load_calendar` keeps the sessions in a cache file (``cache.py``).
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, time

from chronox_adapters.calendars.sessions import SessionCalendar, SessionTable, check_modelled
from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.session import exchange_timezone

DEFAULT_FIRST = date(1990, 1, 1)
DEFAULT_LAST = date(2035, 12, 31)

_REGULAR_CLOSE = time(16, 0)


class ExchangeCalendar(SessionCalendar):
    """The sessions exchange_calendars computes for ``code`` between the bounds."""

    def __init__(
        self, code: str = "XNYS", first: date = DEFAULT_FIRST, last: date = DEFAULT_LAST
    ) -> None:
        table = build_table(code, first, last)
        start = date.fromordinal(table.ordinals[0]) if table.ordinals else first
        super().__init__(code, table, max(first, start), last)


def build_table(code: str, first: date, last: date) -> SessionTable:
    check_modelled(code)
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
    schedule = calendar.schedule
    opens = [stamp.to_pydatetime().astimezone(UTC) for stamp in schedule["open"]]
    closes = [stamp.to_pydatetime().astimezone(UTC) for stamp in schedule["close"]]
    return SessionTable(
        ordinals=[stamp.date().toordinal() for stamp in schedule.index],
        opens=[int(moment.timestamp()) for moment in opens],
        closes=[int(moment.timestamp()) for moment in closes],
        early=[closed.astimezone(exchange_timezone()).time() < _REGULAR_CLOSE for closed in closes],
    )
