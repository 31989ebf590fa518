"""The vendor's ``Retry-After``; the backoff itself is the domain's one policy."""

from __future__ import annotations

from chronox_domain.backoff import Backoff

__all__ = ["Backoff", "parse_retry_after"]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
