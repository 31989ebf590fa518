"""The in-process event bus: the embedded default ``EventPublisher`` and ``EventSubscriber``.

Ingestion may publish from any thread (the in-process job queue runs jobs in threads);
asynchronous subscribers are handed their events on their own event loop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence

from chronox_domain.batch import BarBatch
from chronox_domain.errors import InvalidInput, SourceUnavailable
from chronox_domain.events import BarEvent, events_of
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

Listener = Callable[[BarBatch], None]
log = logging.getLogger(__name__)

#: Events kept per symbol and timeframe for ``subscribe(..., replay=N)``.
KEPT = 1_000
#: Events an asynchronous subscriber may fall behind by before its stream ends.
BACKLOG = 100_000

Series = tuple[str, Timeframe]


class InProcessBus:
    """Hands each committed batch to every listener in this process.

    A failing listener is logged and skipped: publishing never fails an ingest.
    """

    def __init__(self, kept: int = KEPT, backlog: int = BACKLOG) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._recent: dict[Series, deque[tuple[int, BarEvent]]] = {}
        self._sequence = itertools.count()
        self._kept = kept
        self._backlog = backlog
        self.published = 0

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every batch published from now on (in the publishing
        thread); returns a function that stops it."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._forget(listener)

    def _forget(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.remove(listener)

    def health(self) -> str:
        return "in-process"

    def publish(self, batch: BarBatch) -> None:
        events = events_of(batch)
        with self._lock:
            self.published += len(events)
            if events:
                recent = self._recent.setdefault(
                    (batch.symbol, batch.timeframe), deque(maxlen=self._kept)
                )
                recent.extend((next(self._sequence), event) for event in events)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(batch)
            except Exception:  # a listener's bug must not fail the ingest
                log.exception("event listener failed")

    async def subscribe(
        self, symbols: Sequence[str], timeframe: Timeframe, replay: int = 0
    ) -> AsyncGenerator[BarEvent, None]:
        """The last ``replay`` events of each symbol (oldest first), then live events.

        A subscriber that falls ``backlog`` events behind is ended with
        ``SourceUnavailable`` rather than left to grow without bound; subscribing again
        with ``replay`` picks up where the bus's memory reaches.
        """
        wanted = {parse_symbol(symbol) for symbol in symbols}
        if not wanted:
            raise InvalidInput("subscribe to at least one symbol")
        if replay < 0:
            raise InvalidInput(f"replay must be 0 or more, not {replay}")
        mailbox = _Mailbox(asyncio.get_running_loop(), self._backlog)

        def deliver(batch: BarBatch) -> None:
            if batch.symbol in wanted and batch.timeframe is timeframe:
                mailbox.post(events_of(batch))

        # Registering and reading the replay under one lock: nothing falls in between.
        with self._lock:
            self._listeners.append(deliver)
            replayed = self._replay(wanted, timeframe, replay) if replay else []
        try:
            for event in replayed:
                yield event
            while True:
                for event in await mailbox.take():
                    yield event
        finally:
            self._forget(deliver)

    def _replay(self, symbols: set[str], timeframe: Timeframe, count: int) -> list[BarEvent]:
        tails = [
            list(self._recent.get((symbol, timeframe), ()))[-count:] for symbol in sorted(symbols)
        ]
        return [event for _, event in heapq.merge(*tails, key=lambda item: item[0])]


class _Mailbox:
    """Events crossing from publishing threads to one subscriber's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, backlog: int) -> None:
        self._loop = loop
        self._backlog = backlog
        self._waiting: deque[list[BarEvent]] = deque()
        self._count = 0
        self._overflowed = False
        self._ready = asyncio.Event()

    def post(self, events: list[BarEvent]) -> None:
        """From any thread."""
        if events:
            self._loop.call_soon_threadsafe(self._put, events)

    def _put(self, events: list[BarEvent]) -> None:
        if self._count + len(events) > self._backlog:
            self._overflowed = True
        else:
            self._waiting.append(events)
            self._count += len(events)
        self._ready.set()

    async def take(self) -> list[BarEvent]:
        while not self._waiting:
            if self._overflowed:
                raise SourceUnavailable(
                    f"fell more than {self._backlog} bar events behind the bus; "
                    "subscribe again with a replay"
                )
            self._ready.clear()
            await self._ready.wait()
        events = self._waiting.popleft()
        self._count -= len(events)
        return events
