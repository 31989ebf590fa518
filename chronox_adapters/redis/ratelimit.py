"""A request-rate limiter shared through Redis by every process that names the same key."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

from chronox_adapters.redis.connection import unreachable
from chronox_domain.errors import first_line

log = logging.getLogger(__name__)

#: A sliding log in a sorted set, checked and appended in one step. The server's
#: clock is the only clock, so processes on machines whose clocks disagree still
#: agree on the window. The pace is ARGV[1] (0: unlimited), or the quota learned from
#: a 429 (KEYS[3]) when that is lower. Returns 0 when granted, else the milliseconds
#: to wait. KEYS[1] the log, KEYS[2] the log of refused requests; ARGV[2] the window
#: in microseconds, ARGV[3] a member unique to this acquisition.
_PACE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local limit = tonumber(ARGV[1])
local learned = tonumber(redis.call('GET', KEYS[3]) or '0')
if learned > 0 and (limit == 0 or learned < limit) then limit = learned end
"""
_ACQUIRE = _PACE + """
if limit == 0 or redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil((oldest + window - now) / 1000))
"""
#: A 429: the requests that got through in the window become the shared pace (for
#: ARGV[4] seconds, so that a plan upgraded later is not held back for ever).
#: Returns the pace now in force (0: unlimited).
_THROTTLED = _PACE + """
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], math.ceil(window / 1000))
local accepted = redis.call('ZCARD', KEYS[1]) - redis.call('ZCARD', KEYS[2])
if accepted >= 1 and (limit == 0 or accepted < limit) then
  redis.call('SET', KEYS[3], accepted, 'EX', tonumber(ARGV[4]))
  limit = accepted
end
return limit
"""

#: How long a quota learned from a 429 holds for every process.
LEARNED_SECONDS = 3600


class RedisRateLimiter:
    """At most ``per_minute`` acquisitions in any ``window`` seconds (60 by default),
    counted over every process that uses the same ``key``.

    The same contract as the in-process ``RateLimiter``: exact over the whole window,
    ``acquire()`` blocks until a request may go, ``None`` or 0 starts unlimited, and a
    429 (``throttled()``) sets the pace of every process to what got through in the
    window. When Redis cannot be reached ``acquire()`` raises ``SourceUnavailable``
    (``connection.unreachable``).
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
        self._keys = [self.key, f"{self.key}:refused", f"{self.key}:learned"]
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._throttled = self._redis.register_script(_THROTTLED)
        self.waited = 0.0

    def acquire(self) -> None:
        while True:
            wait_ms = int(self._call(self._acquire) or 0)
            if wait_ms == 0:
                return
            self.waited += wait_ms / 1000
            self._sleep(wait_ms / 1000)

    def throttled(self) -> int | None:
        return int(self._call(self._throttled, LEARNED_SECONDS) or 0) or None

    def _call(self, script: Any, *extra: object) -> Any:
        """The script's answer; None when Redis is down and no limit was asked for
        (there is nothing to protect: go ahead, as an in-process limiter would)."""
        args = [self.per_minute or 0, self._window_us, uuid.uuid4().hex, *extra]
        try:
            return script(keys=self._keys, args=args)
        except redis.RedisError as exc:
            if not self.per_minute:
                log.warning("the shared rate limit (Redis) is unavailable: %s", first_line(exc))
                return None
            # Going ahead unlimited could get the key banned: refuse instead.
            raise unreachable(
                f"the shared rate limit (Redis) is unavailable: {first_line(exc)}"
            ) from None

    def close(self) -> None:
        self._redis.close()

