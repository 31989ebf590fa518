"""How an instant reads wherever chronox writes one (outputs, cursors, bar events):
ISO-8601 UTC, to the second, with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """``2024-11-25T14:30:00Z`` for a timezone-aware ``moment`` (in any zone)."""
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return utc.isoformat(timespec="seconds")[:-6] + "Z"
