"""A request-rate limiter shared by every fetch in the process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class RequestLimiter(Protocol):
    """Anything that paces requests: this in-process limiter, or one shared by many
    processes (the Redis one)."""

    def acquire(self) -> None:
        """Return when one more request may be sent."""
        ...


class RateLimiter:
    """At most ``per_minute`` acquisitions in any 60 s window (a sliding log).

    The vendor's free tier allows 5 requests a minute, so the limiter must be exact
    over the whole window rather than smooth: a token bucket would let a burst through
    at start-up and then be refused by the vendor.
    """

    def __init__(
        self,
        per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = 60.0,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        if not self.per_minute:
            return
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self._window:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                wait = self._window - (now - self._sent[0])
            self.waited += wait
            self._sleep(wait)
