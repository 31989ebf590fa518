"""Redis adapters: bar events over pub/sub with a capped stream for replay.

Channels ``{prefix}bars:{SYMBOL}:{timeframe}``, streams ``{prefix}stream:{timeframe}``,
one versioned JSON envelope per bar (docs/events.md). Nothing connects at import time.
"""

from chronox_adapters.redis.envelope import VERSION, channel, decode, encode, stream_key
from chronox_adapters.redis.job_worker import RedisWorker
from chronox_adapters.redis.jobs import RedisJobQueue
from chronox_adapters.redis.publisher import RedisPublisher, describe
from chronox_adapters.redis.ratelimit import RedisRateLimiter
from chronox_adapters.redis.subscriber import RedisSubscriber

__all__ = [
    "VERSION",
    "RedisJobQueue",
    "RedisPublisher",
    "RedisRateLimiter",
    "RedisSubscriber",
    "RedisWorker",
    "channel",
    "decode",
    "describe",
    "encode",
    "stream_key",
]
