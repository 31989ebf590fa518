"""A range bound as a caller gives it: a session date, or an instant.

The one reading of a bound for every interface: the CLI's and the API's text
(``YYYY-MM-DD`` or ISO-8601), and a Python caller's objects (``date``, ``datetime``, a
pandas ``Timestamp``). An instant without an offset is UTC; one with an offset is
converted to UTC. Anything else is refused with one ``InvalidInput``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.refusals import described, shortened

Bound = date | datetime

EXPECTED = "a date, a datetime or a YYYY-MM-DD / ISO-8601 string"


def parse_bound(value: object) -> Bound | None:
    """A session ``date`` or a UTC ``datetime``; None for None or blank text (the
    default). :class:`InvalidRange` for text that is no date or instant, or an instant
    pushed out of range by its offset; :class:`InvalidInput` for any other type."""
    if value is None:
        return None
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        return value
    raise InvalidInput(f"expected {EXPECTED}, got {described(value)}")


def _from_text(text: str) -> Bound | None:
    value = text.strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise InvalidRange(
            f"{shortened(value)} is neither YYYY-MM-DD nor an ISO-8601 datetime"
        ) from None
    except OverflowError:  # an offset pushed it past year 1 or 9999
        raise InvalidRange(f"{shortened(value)} is out of range") from None


def _instant(value: datetime) -> datetime:
    plain = getattr(value, "to_pydatetime", None)  # a pandas.Timestamp: nanoseconds dropped
    try:
        moment = plain() if callable(plain) else value
        if moment != moment:  # pandas.NaT: a datetime that is no time (nor equal to itself)
            raise InvalidInput(f"expected a date or a datetime, got {described(value)}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # an offset pushed it past year 1 or 9999
        raise InvalidRange(f"{described(value)} is out of range") from None
