"""Exponential backoff with full jitter, honouring the vendor's ``Retry-After``."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    base: float
    cap: float
    random_unit: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        A ``Retry-After`` from the vendor is a floor: waiting less is refused again.
        """
        jittered = float(self.random_unit()) * min(self.cap, self.base * 2.0 ** (attempt - 1))
        if retry_after is not None:
            return max(retry_after, 0.0) + jittered * 0.1
        return jittered


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
