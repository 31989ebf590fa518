"""A request-rate limiter shared through Redis by every process that names the same key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from chronox_domain.errors import SourceUnavailable

#: A sliding log in a sorted set, checked and appended in one step. The server's
#: clock is the only clock, so processes on machines whose clocks disagree still
#: agree on the window. Returns 0 when granted, else the milliseconds to wait.
#: KEYS[1] the log; ARGV[1] the limit, ARGV[2] the window in microseconds, ARGV[3] a
#: member unique to this acquisition.
_ACQUIRE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil((oldest + window - now) / 1000))
"""


class RedisRateLimiter:
    """At most ``per_minute`` acquisitions in any ``window`` seconds (60 by default),
    counted over every process that uses the same ``key``.

    The same contract as the in-process ``RateLimiter``: exact over the whole window,
    ``acquire()`` blocks until a request may go. ``None`` or 0 means no limit. When
    Redis cannot be reached ``acquire()`` raises ``SourceUnavailable``.
    """

    def __init__(
        self,
        url: str,
        per_minute: int | None,
        key: str = "ratelimit:polygon",
        prefix: str = "",
        sleep: Callable[[float], None] = time.sleep,
        window: float = 60.0,
    ) -> None:
        self.per_minute = per_minute
        self.key = f"{prefix}{key}"
        self._sleep = sleep
        self._window_us = int(window * 1_000_000)
        self._redis = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=5.0, socket_timeout=10.0
        )
        self._acquire = self._redis.register_script(_ACQUIRE)
        self.waited = 0.0

    def acquire(self) -> None:
        if not self.per_minute:
            return
        while True:
            try:
                wait_ms = int(
                    self._acquire(
                        keys=[self.key], args=[self.per_minute, self._window_us, uuid.uuid4().hex]
                    )
                )
            except redis.RedisError as exc:
                # Going ahead unlimited could get the key banned: refuse instead.
                raise SourceUnavailable(
                    f"the shared rate limit (Redis) is unavailable: {exc}".splitlines()[0]
                ) from None
            if wait_ms == 0:
                return
            self.waited += wait_ms / 1000
            self._sleep(wait_ms / 1000)

    def close(self) -> None:
        self._redis.close()
