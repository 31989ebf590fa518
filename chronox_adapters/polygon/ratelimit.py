"""A request-rate limiter shared by every fetch in the process, that learns the
vendor's quota from its 429s."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from chronox_domain.ports import RequestLimiter

__all__ = ["RateLimiter", "RequestLimiter"]


class RateLimiter:
    """At most ``per_minute`` acquisitions in any ``window`` (60 s) (a sliding log).

    The vendor's free tier allows 5 requests a minute, so the limiter must be exact
    over the whole window rather than smooth: a token bucket would let a burst through
    at start-up and then be refused by the vendor.

    ``per_minute`` None starts unlimited. Either way, a 429 (:meth:`throttled`) sets
    the pace to what actually got through in the last window, so that an operator who
    did not know the plan's quota pays one refused request per window, not a stream.
    """

    def __init__(
        self,
        per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = 60.0,
    ) -> None:
        self.per_minute = per_minute or None
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self._sent: deque[float] = deque()
        self._refused: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._forget(now)
                if self.per_minute is None or len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                wait = self._window - (now - self._sent[0])
            self.waited += wait
            self._sleep(wait)

    def throttled(self) -> int | None:
        with self._lock:
            now = self._clock()
            self._forget(now)
            self._refused.append(now)
            accepted = len(self._sent) - len(self._refused)
            if accepted >= 1 and (self.per_minute is None or accepted < self.per_minute):
                self.per_minute = accepted
            return self.per_minute

    def _forget(self, now: float) -> None:
        for log in (self._sent, self._refused):
            while log and now - log[0] >= self._window:
                log.popleft()
