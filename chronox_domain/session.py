"""Trading sessions and how each timeframe lays its bar slots over them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cache

from chronox_domain.choices import parse_choice
from chronox_domain.interval import Interval, IntervalList, normalize
from chronox_domain.timeframe import Timeframe


@cache
def exchange_timezone() -> tzinfo:
    """Where US equity sessions are dated and timed: a calendar's ``timezone`` says it
    too; this is for code with no calendar at hand (a vendor's daily bars, a file's
    dates). zoneinfo is imported on first use: importing it reads the interpreter's
    build configuration, which ``import chronox_domain`` should not."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


class SessionKind(enum.Enum):
    """Regular trading hours (09:30-16:00 New York) or extended (04:00-20:00)."""

    RTH = "rth"
    ETH = "eth"

    @classmethod
    def parse(cls, text: object) -> SessionKind:
        """``rth`` or ``eth``, in any case; a SessionKind is itself; any other value is
        refused as :class:`InvalidInput`."""
        return parse_choice(cls, text, "session", fold=lambda name: name.strip().lower())

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session of one date: ``[open, close)`` in UTC."""

    date: date
    open: datetime
    close: datetime
    early_close: bool = False

    @property
    def interval(self) -> Interval:
        return Interval(self.open, self.close)


def slot_window(session: Session, timeframe: Timeframe) -> Interval:
    """The span of bar slots ``timeframe`` expects for ``session``.

    Intraday: the session widened to the slot grid (a 1h grid turns a 09:30 open into
    a 09:00 slot). Daily: the UTC day the daily bar is stamped with.
    """
    if timeframe is Timeframe.D1:
        stamp = timeframe.daily_stamp(session.date)
        return Interval(stamp, stamp + timedelta(days=1))
    return Interval(timeframe.floor(session.open), timeframe.ceil(session.close))


def expected_windows(sessions: Iterable[Session], timeframe: Timeframe) -> IntervalList:
    """Normalised slot windows of ``sessions``: the time that should hold bars."""
    return normalize(slot_window(session, timeframe) for session in sessions)
