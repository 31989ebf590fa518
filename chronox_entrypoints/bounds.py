"""Range bounds as users type them: ``YYYY-MM-DD`` or an ISO-8601 instant."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chronox_domain.errors import InvalidRange

Bound = date | datetime


def parse_bound(text: str | None) -> Bound | None:
    """A session date, or an instant (UTC unless it carries an offset); None for empty."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise InvalidRange(f"{value!r} is neither YYYY-MM-DD nor an ISO-8601 datetime") from None
    except OverflowError:  # an offset pushed it past year 1 or 9999
        raise InvalidRange(f"{value!r} is out of range") from None
