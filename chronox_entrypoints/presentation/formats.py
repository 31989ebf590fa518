"""How instants read in every output: ISO-8601 UTC with a ``Z``, to the second."""

from __future__ import annotations

from datetime import datetime


def instant(moment: datetime) -> str:
    """``2024-11-25T14:30:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
