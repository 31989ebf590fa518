"""Opening what carries events, jobs and the shared rate limit: one function per
transport (the composition root selects by ``Settings.transport``), Redis when
configured, in-process stand-ins otherwise. Redis's client is imported only when used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from chronox_domain.errors import InvalidInput
from chronox_domain.ports import EventPublisher, EventSubscriber, JobQueue, RequestLimiter
from chronox_entrypoints.settings import Settings

if TYPE_CHECKING:
    from chronox_adapters.memory import InProcessBus
    from chronox_adapters.redis.jobs import RedisWorker
    from chronox_domain.jobs import JobRunner

_DAY = 86_400


def in_process_bus() -> Iterator[InProcessBus]:
    """Publisher and subscriber at once: this process's ingestions, heard in it."""
    from chronox_adapters.memory import InProcessBus

    yield InProcessBus()


def redis_publisher(settings: Settings) -> Iterator[EventPublisher]:
    """A ``providers.Resource``: it flushes what it can on shutdown."""
    from chronox_adapters.redis import RedisPublisher

    publisher = RedisPublisher(settings.redis_url, prefix=settings.redis_prefix)
    try:
        yield publisher
    finally:
        publisher.close()


def redis_subscriber(settings: Settings) -> EventSubscriber:
    from chronox_adapters.redis import RedisSubscriber

    return RedisSubscriber(settings.redis_url, prefix=settings.redis_prefix)


def no_subscriber() -> EventSubscriber:
    raise InvalidInput(
        "watching needs Redis: set CHRONOX_REDIS_URL (the in-process bus cannot reach "
        "another process)"
    )


def redis_job_queue(settings: Settings) -> Iterator[JobQueue]:
    """Redis Streams: jobs outlive the process and any worker takes them."""
    from chronox_adapters.redis.jobs import RedisJobQueue

    queue = RedisJobQueue(
        settings.redis_url,
        prefix=settings.redis_prefix,
        keep_finished=settings.jobs_keep_finished,
        finished_ttl=settings.jobs_finished_ttl_days * _DAY,
    )
    try:
        yield queue
    finally:
        queue.close()


def in_process_job_queue(settings: Settings, runner: JobRunner) -> Iterator[JobQueue]:
    """An executor of this process's own: jobs end with it."""
    from chronox_adapters.memory.jobs import InProcessJobQueue

    queue = InProcessJobQueue(
        runner,
        keep_finished=settings.jobs_keep_finished,
        finished_ttl=settings.jobs_finished_ttl_days * _DAY,
    )
    try:
        yield queue
    finally:
        queue.close()


def redis_worker(settings: Settings, runner: JobRunner, name: str | None = None) -> RedisWorker:
    from chronox_adapters.redis.connection import check_job_server
    from chronox_adapters.redis.jobs import RedisWorker

    check_job_server(settings.redis_url)  # fail now, in one line, rather than retry forever
    return RedisWorker(settings.redis_url, runner, prefix=settings.redis_prefix, name=name)


def no_worker(name: str | None = None) -> RedisWorker:
    raise InvalidInput("workers need Redis: set CHRONOX_REDIS_URL")


def redis_request_limiter(settings: Settings) -> RequestLimiter:
    """The vendor's request budget shared by every process through Redis: the configured
    rate, or (unset) the pace any of them learned from a 429."""
    from chronox_adapters.redis.ratelimit import RedisRateLimiter

    return RedisRateLimiter(
        settings.redis_url,
        settings.polygon_rate,
        prefix=settings.redis_prefix,
        window=settings.polygon_quota_window,
    )


def in_process_request_limiter(settings: Settings) -> RequestLimiter:
    """This process's own budget: the configured rate, or the pace learned from a 429."""
    from chronox_adapters.polygon.ratelimit import RateLimiter

    return RateLimiter(settings.polygon_rate, window=settings.polygon_quota_window)
