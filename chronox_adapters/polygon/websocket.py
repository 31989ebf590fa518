"""The live ``LiveBarSource``: minute aggregates (``AM.<symbol>``) over the vendor's
WebSocket feed, through the official client, reconnecting with backoff.

What the vendor says on the feed (``.massive/websocket.json`` of the official client,
``components/schemas``) and what this source does about it:

* ``auth_failed`` (AuthEvent): the official client raises ``AuthError`` with the
  vendor's text. A wrong key ("authentication failed") and a plan without WebSocket
  access ("Your plan doesn't include websocket access. Visit https://massive.com/pricing
  to upgrade.") both end the stream at once with ``SourceUnavailable``, each with its
  own clear line: retrying fixes neither.
* ``max_connections``, ``force_disconnect``, ``slow_consumer`` (DisconnectEvent): the
  vendor is about to close this connection (``max_connections``: another connection
  with this key took the slot; one per cluster per key). Logged, then a reconnect after
  an exponential, capped, jittered pause.
* ``auth_timeout`` (AuthEvent), ``auth_required`` and ``error`` (SubscribeEvent, a
  refused subscription): logged; when every subscription is refused the connection is
  useless and is ended and retried like an eviction.

The official client would reconnect by itself at once after a dropped connection (no
pause); it is built with ``max_reconnects=0`` so that every close comes back here and
this backoff governs. Attempts in a row are counted, and the stream ends with
``SourceUnavailable`` after ``max_reconnects`` of them; the count starts again only
after a connection proved healthy (up ``healthy_after`` seconds and delivering minute
bars): status frames prove nothing. A failed handshake never comes back from the
client (the websockets library retries it by itself, at its own pace): a connection
with no answer after ``answer_timeout`` is abandoned and counted the same way. Every
vendor text is logged as one WARNING line; the API key never appears.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from massive import WebSocketClient
from massive.exceptions import AuthError

from chronox_adapters.polygon.config import PolygonConfig
from chronox_adapters.polygon.parsing import parse_minute_event
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.bar import Bar
from chronox_domain.errors import (
    InvalidInput,
    MalformedData,
    SourceUnavailable,
    typed_first_line,
)
from chronox_domain.redaction import redact
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: DisconnectEvent statuses: the vendor closes the connection after each.
DISCONNECT_STATUSES = frozenset({"max_connections", "force_disconnect", "slow_consumer"})
#: Words of the vendor's ``auth_failed`` text that mean the plan, not the key, is refused.
_PLAN_WORDS = ("plan", "upgrade", "pricing", "not authorized", "entitle")
_DELAYED_HOST = "delayed.massive.com"
#: Vendor texts are cut to this many characters in logs and errors.
_TEXT_LIMIT = 300


class _SubscriptionsRefused(Exception):
    """Every subscription of a connection was refused (raised out of the processor)."""


class _NoAnswer(Exception):
    """No frame from the vendor in time: the handshake keeps failing, or it hangs."""


class _HandshakeLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The websockets library's logger for one client, noting the last failed handshake
    (the library retries those by itself and says why only in its log)."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("websockets.client"), {})
        self.last_failure: str | None = None

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if isinstance(msg, str) and msg.startswith("connect failed") and args:
            self.last_failure = " ".join(str(args[-1]).split())[:_TEXT_LIMIT]
        super().log(level, msg, *args, **kwargs)


@dataclass(slots=True)
class _Connection:
    """What one connection has shown so far."""

    opened: float
    wanted: int
    #: Set on the first frame after the handshake and auth (the client passes no earlier one).
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    bars: int = 0
    subscribed: int = 0
    refused: int = 0
    #: The last DisconnectEvent / auth_timeout status, as (status, vendor text).
    ended_by: tuple[str, str] | None = None

    def healthy(self, now: float, healthy_after: float) -> bool:
        return self.bars > 0 and now - self.opened >= healthy_after


class PolygonLiveSource:
    """Provisional 1m bars as the vendor forms them.

    After any close this source reconnects itself, after an exponential, capped,
    jittered pause (``reconnect_base``, ``reconnect_cap``), up to ``max_reconnects``
    times in a row. A refused key or plan ends the stream at once with
    ``SourceUnavailable``.
    """

    def __init__(self, config: PolygonConfig) -> None:
        self.config = config
        self.name = config.source_name
        self._backoff = Backoff(config.reconnect_base, config.reconnect_cap, equal_jitter)
        #: Reconnect attempts so far (the daemon backfills the hole after one).
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
            # Bounded: a client stuck connecting must not hold the caller.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, timeout=5)

    async def _run(
        self, subscriptions: list[str], queue: asyncio.Queue[Bar | BaseException]
    ) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            connection = _Connection(opened=loop.time(), wanted=len(subscriptions))
            client = WebSocketClient(
                api_key=self.config.api_key,
                feed=self.config.ws_host,
                market="stocks",
                raw=True,
                subscriptions=subscriptions,
                # Never reconnect by itself: every close comes back to this loop.
                max_reconnects=0,
                secure=self.config.ws_secure,
            )

            async def deliver(message: str | bytes, connection: _Connection = connection) -> None:
                connection.answered.set()
                for bar in self._take(message, connection):
                    queue.put_nowait(bar)

            try:
                try:
                    await self._connect(client, deliver, connection)
                finally:
                    # Also on cancellation: say goodbye to the server instead of
                    # leaving it a half-open connection.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(_close(client))
                reason = "the vendor closed the connection"
            except AuthError as exc:
                queue.put_nowait(self._refusal(str(exc)))
                return
            except (_SubscriptionsRefused, _NoAnswer) as exc:
                reason = str(exc)
            except Exception as exc:  # closed (1008 after an eviction, 1011, 1006), refused
                reason = typed_first_line(exc)
            if connection.ended_by is not None:
                reason = f"the vendor ended the connection ({connection.ended_by[0]})"
            if connection.healthy(loop.time(), self.config.healthy_after):
                failures = 0
            failures += 1
            self.reconnects += 1
            if failures > self.config.max_reconnects:
                queue.put_nowait(
                    SourceUnavailable(
                        f"live feed lost after {failures} attempts in a row: {reason}"
                        + (f": {connection.ended_by[1]}" if connection.ended_by else "")
                    )
                )
                return
            delay = self._backoff.delay(failures)
            log.warning(
                "live feed: %s; reconnecting in %.1fs (attempt %d of %d)",
                reason,
                delay,
                failures,
                self.config.max_reconnects,
            )
            await asyncio.sleep(delay)

    async def _connect(
        self,
        client: WebSocketClient,
        deliver: Callable[[str | bytes], Awaitable[None]],
        connection: _Connection,
    ) -> None:
        """``client.connect(deliver)``, given ``answer_timeout`` to get an answer.

        A failed handshake (refused, unreachable, an HTTP error instead of the upgrade)
        never comes back from the client: the websockets library retries it by itself,
        forever, at its own pace. Without an answer in time this gives up on it, so that
        such failures count against ``max_reconnects`` like any other.
        """
        handshakes = _HandshakeLog()
        task = asyncio.ensure_future(client.connect(deliver, logger=handshakes))
        answered = asyncio.ensure_future(connection.answered.wait())
        try:
            done, _ = await asyncio.wait(
                {task, answered},
                # Nothing to subscribe to: nothing would answer, and nothing is missed.
                timeout=self.config.answer_timeout if connection.wanted else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                raise _NoAnswer(
                    f"no answer from the vendor within {self.config.answer_timeout:g}s"
                    + (f" ({handshakes.last_failure})" if handshakes.last_failure else "")
                )
            await task
        finally:
            answered.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # --- messages --------------------------------------------------------------------

    def _take(self, message: str | bytes, connection: _Connection) -> list[Bar]:
        """The bars of one message; status events are logged and recorded."""
        try:
            events = json.loads(message)
        except ValueError:
            log.warning("live feed: dropped a malformed message")
            return []
        bars = []
        for event in events if isinstance(events, list) else [events]:
            if not isinstance(event, dict):
                continue
            kind = event.get("ev")
            if kind == "AM":
                try:
                    bars.append(parse_minute_event(event))
                except MalformedData as exc:
                    log.warning("live feed: %s", exc)
            elif kind == "status":
                self._on_status(event, connection)
        connection.bars += len(bars)
        return bars

    def _on_status(self, event: dict[str, Any], connection: _Connection) -> None:
        status = str(event.get("status", ""))
        text = self._vendor_text(event.get("message"))
        if status in DISCONNECT_STATUSES:
            connection.ended_by = (status, text)
            hint = (
                " (another connection with this API key took its slot: the vendor allows "
                "one per cluster per key)"
                if status == "max_connections"
                else ""
            )
            log.warning("live feed: the vendor ends the connection: %s: %s%s", status, text, hint)
        elif status == "auth_failed":  # the client checks only the first answer to auth
            raise AuthError(text)
        elif status == "auth_timeout":
            connection.ended_by = (status, text)
            log.warning("live feed: the vendor ends the connection: %s: %s", status, text)
        elif status in ("error", "auth_required"):
            connection.refused += 1
            log.warning("live feed: the vendor refused a subscription: %s: %s", status, text)
            if connection.subscribed == 0 and connection.refused >= connection.wanted:
                raise _SubscriptionsRefused(
                    f"the vendor refused every subscription ({status}: {text})"
                )
        elif status == "success" and text.startswith("subscribed to"):
            connection.subscribed += 1
            log.debug("live feed: %s", text)
        elif status in ("success", "auth_success", "connected"):
            log.debug("live feed: %s: %s", status, text)
        else:
            log.info("live feed: status %s: %s", status or "(none)", text)

    def _refusal(self, text: str) -> SourceUnavailable:
        """One clear line for an ``auth_failed``: a refused plan, or a refused key."""
        text = self._vendor_text(text) or "authentication failed"
        if any(word in text.lower() for word in _PLAN_WORDS):
            hint = (
                f"a delayed plan needs CHRONOX_POLYGON_WS_HOST={_DELAYED_HOST}"
                if self.config.ws_host != _DELAYED_HOST
                else f"not even on {_DELAYED_HOST}: the plan needs WebSocket access"
            )
            return SourceUnavailable(f"the vendor's live feed refused this plan: {text} ({hint})")
        return SourceUnavailable(f"the vendor refused the API key on the live feed: {text}")

    def _vendor_text(self, message: object) -> str:
        """The vendor's words on one line, bounded, and never with the key in them."""
        text = " ".join(str(message or "").split())
        return redact(text, [self.config.api_key])[:_TEXT_LIMIT]


async def _close(client: WebSocketClient) -> None:
    if client.websocket is not None:
        await client.close()

