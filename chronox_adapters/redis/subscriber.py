"""The Redis ``EventSubscriber``: the pub/sub channels, after a replay from the stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterator, Sequence
from datetime import datetime
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chronox_adapters.redis.connection import unreachable
from chronox_adapters.redis.envelope import STREAM_FIELD, SYMBOL_FIELD, channel, decode, stream_key
from chronox_adapters.redis.publisher import describe
from chronox_domain.errors import InvalidInput, MalformedData, first_line
from chronox_domain.events import BarEvent
from chronox_domain.redaction import redact, url_secrets
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: Stream entries read per XREVRANGE while looking for the replay.
PAGE = 1_000
CONNECT_TIMEOUT = 5.0

Slot = tuple[str, datetime]


class RedisSubscriber:
    """Bar events of some symbols of one timeframe, from a ``RedisPublisher``'s keys.

    Pub/sub is at-most-once: bars published while nobody listens are not delivered,
    which is what ``replay`` is for. A lost connection ends the stream with
    ``SourceUnavailable``; subscribing again with ``replay`` fills the hole from the
    stream, as far as it reaches back.
    """

    def __init__(self, url: str, prefix: str = "") -> None:
        self._url = url
        self.address = describe(url)
        self.prefix = prefix
        #: Messages that were not a readable envelope (logged and skipped).
        self.malformed = 0

    def __repr__(self) -> str:
        return f"RedisSubscriber({self.address}, prefix={self.prefix!r})"

    async def subscribe(
        self, symbols: Sequence[str], timeframe: Timeframe, replay: int = 0
    ) -> AsyncGenerator[BarEvent, None]:
        """The last ``replay`` events of each symbol (oldest first), then live events.

        The channels are subscribed to before the stream is read, so no event falls
        between the two; a live event the replay already yielded is skipped.
        """
        wanted = sorted({parse_symbol(symbol) for symbol in symbols})
        if not wanted:
            raise InvalidInput("subscribe to at least one symbol")
        if replay < 0:
            raise InvalidInput(f"replay must be 0 or more, not {replay}")
        client = self._client()
        pubsub = client.pubsub()
        try:
            with self._unavailable("cannot subscribe to"):
                await pubsub.subscribe(*(channel(self.prefix, s, timeframe) for s in wanted))
                early = await _confirmed(pubsub, len(wanted))
                replayed = await self._replay(client, wanted, timeframe, replay) if replay else []
            # Each replayed event stands in for one identical live copy of itself, until
            # a different version of its bar arrives.
            echoes: dict[Slot, list[BarEvent]] = {}
            for event in replayed:
                echoes.setdefault((event.bar.symbol, event.bar.start), []).append(event)
                yield event
            while True:
                if early:
                    message = early.pop(0)
                else:
                    with self._unavailable("lost the connection to"):
                        message = await pubsub.get_message(timeout=None)
                live = self._event(message)
                if live is None or live.bar.timeframe is not timeframe:
                    continue
                if echoes:
                    slot = (live.bar.symbol, live.bar.start)
                    copies = echoes.pop(slot, [])
                    if live in copies:
                        copies.remove(live)
                        if copies:
                            echoes[slot] = copies
                        continue
                yield live
        finally:
            await _closed(client, pubsub)

    def _client(self) -> aioredis.Redis:
        try:
            return aioredis.Redis.from_url(
                self._url, socket_connect_timeout=CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 0)
            )
        except ValueError as exc:
            raise InvalidInput(f"malformed Redis URL for {self.address}: {exc}") from None

    @contextlib.contextmanager
    def _unavailable(self, doing: str) -> Iterator[None]:
        """Redis trouble as :func:`unreachable`: one line, host:port, no password."""
        try:
            yield
        except (redis.RedisError, OSError) as exc:
            reason = redact(first_line(exc), url_secrets(self._url))
            raise unreachable(f"{doing} Redis at {self.address}: {reason}") from None

    async def _replay(
        self, client: aioredis.Redis, symbols: list[str], timeframe: Timeframe, count: int
    ) -> list[BarEvent]:
        """The last ``count`` events of each of ``symbols`` in the stream, oldest first."""
        key = stream_key(self.prefix, timeframe)
        found = dict.fromkeys(symbols, 0)
        picked: list[BarEvent] = []
        short = set(symbols)
        upper = "+"
        while short:
            entries = await client.xrevrange(key, max=upper, min="-", count=PAGE) or []
            for _entry_id, fields in entries:
                symbol = _text((fields or {}).get(SYMBOL_FIELD.encode()))
                if symbol not in short:
                    continue
                event = self._decoded((fields or {}).get(STREAM_FIELD.encode()))
                if event is None or event.bar.symbol != symbol:
                    continue
                picked.append(event)
                found[symbol] += 1
                if found[symbol] == count:
                    short.discard(symbol)
            if len(entries) < PAGE:
                break
            upper = f"({_text(entries[-1][0])}"
        picked.reverse()
        return picked

    def _event(self, message: object) -> BarEvent | None:
        if not isinstance(message, dict) or message.get("type") != "message":
            return None
        return self._decoded(message.get("data", b""))

    def _decoded(self, data: object) -> BarEvent | None:
        try:
            if not isinstance(data, bytes | str):
                raise MalformedData(f"bar event envelope of type {type(data).__name__}")
            return decode(data)
        except MalformedData as exc:
            self.malformed += 1
            log.warning("skipped a bar event from Redis at %s: %s", self.address, exc)
            return None


async def _confirmed(pubsub: PubSub, channels: int) -> list[Any]:
    """Wait for the server's SUBSCRIBE confirmations: from then on, nothing is missed.

    Returns the messages that arrived meanwhile (on a channel confirmed earlier).
    """
    confirmed = 0
    early: list[Any] = []
    async with asyncio.timeout(CONNECT_TIMEOUT):
        while confirmed < channels:
            message = await pubsub.get_message(timeout=CONNECT_TIMEOUT)
            if isinstance(message, dict) and message.get("type") == "subscribe":
                confirmed += 1
            elif message is not None:
                early.append(message)
    return early


async def _closed(client: aioredis.Redis, pubsub: PubSub) -> None:
    """Unsubscribe and hang up, quietly: the stream is over either way."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0):
            connection: Any = getattr(pubsub, "connection", None)
            if connection is not None and connection.is_connected:
                await pubsub.unsubscribe()
    with contextlib.suppress(Exception):
        # Typed in some redis releases and not in others: call it untyped, so that no
        # release can fail the type check with an unused or a missing ``type: ignore``.
        close_pubsub: Any = pubsub.aclose
        await close_pubsub()
    with contextlib.suppress(Exception):
        await client.aclose()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value if isinstance(value, str) else ""
