"""The live ``LiveBarSource``: minute aggregates (``AM.<symbol>``) over the vendor's
WebSocket feed, through the official client, reconnecting with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence

from massive import WebSocketClient
from massive.exceptions import AuthError

from chronox_adapters.polygon.config import PolygonConfig
from chronox_adapters.polygon.parsing import parse_minute_event
from chronox_adapters.polygon.retry import Backoff
from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput, MalformedData, SourceUnavailable
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)


class PolygonLiveSource:
    """Provisional 1m bars as the vendor forms them.

    The client reconnects by itself after a dropped connection and resubscribes; when
    it gives up, this source starts it again after an exponential, jittered pause, up
    to ``max_reconnects`` times in a row. A refused API key ends the stream at once
    with ``SourceUnavailable``: retrying cannot fix it.
    """

    def __init__(self, config: PolygonConfig) -> None:
        self.config = config
        self.name = config.source_name
        self._backoff = Backoff(config.backoff_base, config.backoff_cap)
        self.reconnects = 0

    def __repr__(self) -> str:
        return f"PolygonLiveSource({self.config!r})"

    async def stream(self, symbols: Sequence[str], timeframe: Timeframe) -> AsyncIterator[Bar]:
        if timeframe is not Timeframe.M1:
            raise InvalidInput("the live feed carries 1m bars only")
        subscriptions = [f"AM.{parse_symbol(s)}" for s in symbols]
        queue: asyncio.Queue[Bar | BaseException] = asyncio.Queue()
        runner = asyncio.create_task(self._run(subscriptions, queue))
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            runner.cancel()
            # Bounded: a client stuck in its own reconnect loop must not hold the caller.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, timeout=5)

    async def _run(
        self, subscriptions: list[str], queue: asyncio.Queue[Bar | BaseException]
    ) -> None:
        failures = 0
        while True:
            client = WebSocketClient(
                api_key=self.config.api_key,
                feed=self.config.ws_host,
                market="stocks",
                raw=True,
                subscriptions=subscriptions,
                max_reconnects=self.config.max_reconnects,
                secure=self.config.ws_secure,
            )

            async def deliver(message: str | bytes) -> None:
                nonlocal failures
                failures = 0  # data flows again
                for bar in _bars(message):
                    queue.put_nowait(bar)

            try:
                try:
                    await client.connect(deliver)
                finally:
                    # Also on cancellation: say goodbye to the server instead of
                    # leaving it a half-open connection.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(_close(client))
                reason = "the feed closed"
            except AuthError:
                queue.put_nowait(
                    SourceUnavailable("the vendor refused the API key on the live feed")
                )
                return
            except (OSError, Exception) as exc:  # connection refused, closed, bad handshake
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            failures += 1
            self.reconnects += 1
            if failures > self.config.max_reconnects:
                queue.put_nowait(
                    SourceUnavailable(f"live feed lost after {failures} attempts: {reason}")
                )
                return
            delay = self._backoff.delay(failures)
            log.warning("live feed: %s; reconnecting in %.1fs", reason, delay)
            await asyncio.sleep(delay)


async def _close(client: WebSocketClient) -> None:
    if client.websocket is not None:
        await client.close()


def _bars(message: str | bytes) -> list[Bar]:
    try:
        events = json.loads(message)
    except ValueError:
        log.warning("live feed: dropped a malformed message")
        return []
    bars = []
    for event in events if isinstance(events, list) else [events]:
        if isinstance(event, dict) and event.get("ev") == "AM":
            try:
                bars.append(parse_minute_event(event))
            except MalformedData as exc:
                log.warning("live feed: %s", exc)
    return bars
