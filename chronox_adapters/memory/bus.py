"""The in-process event bus: the embedded default ``EventPublisher``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from chronox_domain.ports import BarBatch

Subscriber = Callable[[BarBatch], None]
log = logging.getLogger(__name__)


class InProcessBus:
    """Hands each committed batch to every subscriber in this process.

    A failing subscriber is logged and skipped: publishing never fails an ingest.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.published = 0

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Register ``subscriber``; returns a function that unsubscribes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, batch: BarBatch) -> None:
        self.published += len(batch.bars)
        for subscriber in list(self._subscribers):
            try:
                subscriber(batch)
            except Exception:  # a subscriber's bug must not fail the ingest
                log.exception("event subscriber failed")
