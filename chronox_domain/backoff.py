"""How long to wait before the next attempt: exponential, capped, jittered.

One policy for every adapter that retries (the vendor's REST calls, its live feed, the
Redis publisher, the Redis job workers, the API client's WebSocket), so their pauses
read and test the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


def full_jitter() -> float:
    """Anywhere in [0, 1) of the step: spreads many clients out the most (one may retry
    at once), the right choice for requests that are refused together."""
    return random.random()


def equal_jitter() -> float:
    """Between half and all of the step: pauses grow however the dice fall, the right
    choice for reconnects, where retrying at once again and again helps nobody."""
    return 0.5 + 0.5 * random.random()


@dataclass(slots=True)
class Backoff:
    base: float
    cap: float
    #: The fraction of the exponential step actually waited (``full_jitter``, ``equal_jitter``,
    #: or a constant in tests).
    random_unit: Callable[[], float] = field(default=full_jitter)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        A server's ``Retry-After`` is a floor: waiting less is refused again; a tenth of
        the jittered step on top keeps clients that were told the same from returning
        in step.
        """
        # The exponent is bounded so that a long outage cannot overflow the float.
        step = min(self.cap, self.base * 2.0 ** min(max(attempt, 1) - 1, 64))
        jittered = float(self.random_unit()) * step
        if retry_after is not None:
            return max(retry_after, 0.0) + jittered * 0.1
        return jittered
