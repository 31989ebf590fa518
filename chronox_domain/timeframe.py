"""Bar timeframes and the slot grid each one lives on."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta

from chronox_domain.errors import InvalidTimeframe
from chronox_domain.refusals import described

#: The origin of the intraday slot grid (and of epoch seconds, minutes, nanoseconds).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Timeframe(enum.Enum):
    """A bar width. Intraday bars are stamped with the start of their slot.

    Intraday slots are aligned on the UTC epoch grid (the vendor's convention): a 1h
    bar of a New York session starts on the clock hour, so the 09:30 open falls in
    the 09:00 bar. A daily bar is stamped with its session date at 00:00 UTC and its
    slot is that whole UTC day.
    """

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    D1 = "1d"

    @classmethod
    def parse(cls, text: object) -> Timeframe:
        """Exactly one of the names: ``1M`` is not ``1m`` (it usually means a month).
        A Timeframe is itself; any other value is refused as :class:`InvalidTimeframe`."""
        if isinstance(text, Timeframe):
            return text
        if not isinstance(text, str):
            raise InvalidTimeframe(
                f"expected a timeframe such as '1m' or '1d', got {described(text)}"
            )
        try:
            return cls(text.strip())
        except ValueError:
            choices = ", ".join(t.value for t in cls)
            hint = "; names are case-sensitive" if text.strip().lower() in _NAMES else ""
            raise InvalidTimeframe(
                f"unknown timeframe {text!r} (choose from {choices}{hint})"
            ) from None

    @property
    def step(self) -> timedelta:
        return _STEPS[self]

    @property
    def seconds(self) -> int:
        return int(_STEPS[self].total_seconds())

    @property
    def is_intraday(self) -> bool:
        return self is not Timeframe.D1

    def floor(self, moment: datetime) -> datetime:
        """The start of the slot that contains ``moment``."""
        offset = int((moment - EPOCH).total_seconds()) // self.seconds * self.seconds
        return EPOCH + timedelta(seconds=offset)

    def ceil(self, moment: datetime) -> datetime:
        """The first slot boundary at or after ``moment``."""
        floored = self.floor(moment)
        return floored if floored == moment else floored + self.step

    def slots_in(self, start: datetime, end: datetime) -> int:
        """How many slots fit in the aligned span ``[start, end)``."""
        return int((end - start).total_seconds()) // self.seconds

    def daily_stamp(self, session_date: date) -> datetime:
        """The stamp of the daily bar of ``session_date``."""
        return datetime(session_date.year, session_date.month, session_date.day, tzinfo=UTC)

    def __str__(self) -> str:
        return self.value


_NAMES = frozenset(t.value for t in Timeframe)
_STEPS = {
    Timeframe.M1: timedelta(minutes=1),
    Timeframe.M5: timedelta(minutes=5),
    Timeframe.M15: timedelta(minutes=15),
    Timeframe.H1: timedelta(hours=1),
    Timeframe.D1: timedelta(days=1),
}
