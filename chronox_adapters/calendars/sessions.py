"""``TradingCalendar`` over a table of regular sessions: the part of a calendar that
needs no calendar library, so that a cached table answers without importing one.

Extended hours are derived from the session date: 04:00-20:00 New York, ending at 17:00
on early-close days (the exchanges' late session closes early too).

That is the US equity day, and it runs deeper than this module: a session is one
``[open, close)`` with no lunch break, early closes are "before 16:00 New York", and
the vendor's daily bars, the files source and the monitor date sessions in New York.
So only the calendars that are that day are accepted (:func:`check_modelled`); London,
Chicago or Hong Kong hours would be planned, stored and reported wrongly, not refused.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.session import Session, SessionKind, exchange_timezone

_ETH_OPEN = time(4, 0)
_ETH_CLOSE = time(20, 0)
_ETH_EARLY_CLOSE = time(17, 0)

#: exchange_calendars codes of the New York equity day (NYSE, NASDAQ and NYSE American
#: share one calendar; the library aliases them all to XNYS).
MODELLED_CALENDARS = ("XNYS", "XNAS", "XASE", "NYSE", "NASDAQ")


def check_modelled(code: str) -> None:
    """InvalidInput for a calendar whose sessions this model would get wrong."""
    if code not in MODELLED_CALENDARS:
        raise InvalidInput(
            f"calendar {code} is not supported: sessions are modelled on the US equity "
            "day (New York hours, extended 04:00-20:00, no lunch break); use one of "
            + ", ".join(MODELLED_CALENDARS)
        )


@dataclass(frozen=True, slots=True)
class SessionTable:
    """Regular sessions as plain columns (what the on-disk cache holds)."""

    ordinals: Sequence[int]  #: session dates, ``date.toordinal()``, ascending
    opens: Sequence[int]  #: epoch seconds UTC
    closes: Sequence[int]
    early: Sequence[bool]  #: closed before the regular close (an early-close day)


class SessionCalendar:
    """The sessions of one exchange between two bounds, from a :class:`SessionTable`."""

    def __init__(
        self,
        name: str,
        table: SessionTable,
        first: date,
        last: date,
        timezone: tzinfo | None = None,
    ) -> None:
        self.name = name
        self.timezone = timezone if timezone is not None else exchange_timezone()
        self._table = table
        self._first = first
        self._last = last
        self._built: dict[SessionKind, list[Session | None]] = {
            kind: [None] * len(table.ordinals) for kind in SessionKind
        }

    @property
    def first_date(self) -> date:
        return self._first

    @property
    def last_date(self) -> date:
        return self._last

    @property
    def table(self) -> SessionTable:
        return self._table

    def sessions(self, start: date, end: date, kind: SessionKind) -> list[Session]:
        for day in (start, end):
            if not self._first <= day <= self._last:
                raise InvalidRange(
                    f"{day} is outside the {self.name} calendar ({self._first} .. {self._last})"
                )
        lo = bisect_left(self._table.ordinals, start.toordinal())
        hi = bisect_right(self._table.ordinals, end.toordinal())
        # Each session is built the first time it is asked for, then kept: a command
        # asking for a week does not pay for the 11,700 sessions of 1990-2035, and a
        # service asking for the same year again pays for none.
        built = self._built[kind]
        missing = [i for i in range(lo, hi) if built[i] is None]
        for i in missing:
            built[i] = self._session(i, kind)
        return [session for session in built[lo:hi] if session is not None]  # all are, now

    def _session(self, i: int, kind: SessionKind) -> Session:
        t = self._table
        regular = Session(
            date.fromordinal(t.ordinals[i]),
            datetime.fromtimestamp(t.opens[i], UTC),
            datetime.fromtimestamp(t.closes[i], UTC),
            t.early[i],
        )
        return regular if kind is SessionKind.RTH else _extended(regular, self.timezone)


def _extended(regular: Session, zone: tzinfo) -> Session:
    close = _ETH_EARLY_CLOSE if regular.early_close else _ETH_CLOSE
    return Session(
        regular.date,
        datetime.combine(regular.date, _ETH_OPEN, zone).astimezone(UTC),
        datetime.combine(regular.date, close, zone).astimezone(UTC),
        regular.early_close,
    )
