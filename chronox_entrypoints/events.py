"""Picking what Redis serves when configured (events, jobs, the shared rate limit) and
the in-process stand-ins otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chronox_adapters.memory import InProcessBus
from chronox_domain.errors import InvalidInput
from chronox_domain.jobs import JobRunner
from chronox_domain.ports import EventPublisher, EventSubscriber, JobQueue
from chronox_entrypoints.settings import Settings


def open_publisher(settings: Settings) -> Iterator[EventPublisher]:
    """A ``providers.Resource``: Redis publishers flush what they can on shutdown."""
    if not settings.redis_url:
        yield InProcessBus()
        return
    from chronox_adapters.redis import RedisPublisher

    publisher = RedisPublisher(settings.redis_url, prefix=settings.redis_prefix)
    try:
        yield publisher
    finally:
        publisher.close()


def make_subscriber(settings: Settings) -> EventSubscriber:
    if not settings.redis_url:
        raise InvalidInput(
            "watching needs Redis: set CHRONOX_REDIS_URL (the in-process bus cannot reach "
            "another process)"
        )
    from chronox_adapters.redis import RedisSubscriber

    return RedisSubscriber(settings.redis_url, prefix=settings.redis_prefix)


def make_feed(settings: Settings, publisher: EventPublisher) -> EventSubscriber:
    """What the API relays over WebSocket: Redis when configured (bars stored by any
    process), else the in-process bus that this process's own ingestions publish to."""
    if settings.redis_url:
        return make_subscriber(settings)
    if not isinstance(publisher, InProcessBus):
        raise TypeError(f"without Redis the publisher is the in-process bus, not {publisher!r}")
    return publisher


def open_job_queue(settings: Settings, runner: JobRunner) -> Iterator[JobQueue]:
    """Redis Streams when configured (jobs outlive the process and any worker takes
    them); else an in-process executor."""
    if settings.redis_url:
        from chronox_adapters.redis.jobs import RedisJobQueue

        queue: JobQueue = RedisJobQueue(
            settings.redis_url,
            prefix=settings.redis_prefix,
            keep_finished=settings.jobs_keep_finished,
            finished_ttl=settings.jobs_finished_ttl_days * 86400,
        )
    else:
        from chronox_adapters.memory.jobs import InProcessJobQueue

        queue = InProcessJobQueue(
            runner,
            keep_finished=settings.jobs_keep_finished,
            finished_ttl=settings.jobs_finished_ttl_days * 86400,
        )
    try:
        yield queue
    finally:
        queue.close()  # type: ignore[attr-defined]


def make_worker(settings: Settings, runner: JobRunner, name: str | None = None) -> Any:
    if not settings.redis_url:
        raise InvalidInput("workers need Redis: set CHRONOX_REDIS_URL")
    from chronox_adapters.redis.connection import check_job_server
    from chronox_adapters.redis.jobs import RedisWorker

    check_job_server(settings.redis_url)  # fail now, in one line, rather than retry forever
    return RedisWorker(settings.redis_url, runner, prefix=settings.redis_prefix, name=name)


def make_request_limiter(settings: Settings) -> Any:
    """The vendor's rate limit, shared by every process through Redis when configured."""
    if settings.redis_url and settings.polygon_rate:
        from chronox_adapters.redis.ratelimit import RedisRateLimiter

        return RedisRateLimiter(
            settings.redis_url, settings.polygon_rate, prefix=settings.redis_prefix
        )
    from chronox_adapters.polygon import RateLimiter

    return RateLimiter(settings.polygon_rate)
