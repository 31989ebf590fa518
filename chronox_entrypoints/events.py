"""Picking the event transport: Redis when configured, else the in-process bus."""

from __future__ import annotations

from collections.abc import Iterator

from chronox_adapters.memory import InProcessBus
from chronox_domain.errors import InvalidInput
from chronox_domain.ports import EventPublisher, EventSubscriber
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
