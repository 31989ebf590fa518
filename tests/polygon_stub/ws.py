"""The live feed: the vendor's WebSocket protocol for minute aggregates (``AM``).

The server runs on its own event loop in its own thread; the test-facing methods
(``emit``, ``play``, ``wait_for_subscribers``, the fault switches...) are called from the
test's thread.

Sources for what the stub imitates (cited again where each behaviour is implemented):
the vendor's spec, ``.massive/websocket.json`` of polygon-io/client-python ("spec"
below: ``components/schemas/{ConnectEvent,AuthEvent,SubscribeEvent,DisconnectEvent}``
and ``paths./stocks/AM``); the knowledge base article "How many Polygon WebSocket
connections can I use at one time?" (one simultaneous connection per cluster,
https://polygon.io/knowledge-base/article/how-many-polygon-websocket-connections-can-i-use-at-one-time);
massive-com/client-python#860 (past the limit a new connection disconnects the oldest
one, first in first out); QuantConnect/Lean.DataSource.Polygon#21 (a plan without
WebSocket access is told so by ``auth_failed``: "Your plan doesn't include websocket
access. Visit https://polygon.io/pricing to upgrade.", now massive.com/pricing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http import HTTPStatus
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from chronox_domain import Bar, Interval, Timeframe
from tests.polygon_stub.data import StubData, to_ms
from tests.polygon_stub.faults import Faults

MARKET_PATH = "/stocks"
_NEW_YORK = ZoneInfo("America/New_York")
_MINUTE_MS = 60_000
#: Bounds on waiting for the feed's own thread (start, one emission, stop).
_THREAD_SECONDS = 5.0
#: Close code after a status that ends a connection (eviction, refused auth): policy
#: violation, what the vendor sends after ``max_connections`` (see the module docstring).
EVICTION_CLOSE_CODE = 1008
#: The vendor's own words where known; the spec documents only the status values of
#: ``force_disconnect`` and ``slow_consumer`` (DisconnectEvent), so theirs are the stub's.
DISCONNECT_MESSAGES = {
    # spec: components/schemas/DisconnectEvent, its example.
    "max_connections": "Maximum number of connections exceeded.",
    "force_disconnect": "Connection closed by the server.",
    # The knowledge base: "Why do Polygon WebSocket disconnects happen?" (a full
    # server-side buffer kills a connection that does not read fast enough).
    "slow_consumer": "Slow consumer: the server-side buffer is full.",
}
#: What the vendor answers a wrong key (AuthEvent ``auth_failed``; the text as quoted in
#: polygon-io/client-php#17 and massive-com/client-jvm#11).
WRONG_KEY_MESSAGE = "authentication failed"
#: What the vendor answers a key whose plan has no WebSocket access (auth_failed too;
#: QuantConnect/Lean.DataSource.Polygon#21, with the vendor's new domain).
NO_WEBSOCKET_PLAN_MESSAGE = (
    "Your plan doesn't include websocket access. Visit https://massive.com/pricing to upgrade."
)


@dataclass(eq=False)
class _Session:
    connection: ServerConnection
    authenticated: bool = False
    dropped: bool = False
    topics: set[str] = field(default_factory=set)
    #: Order of authentication (the oldest is evicted first); 0 until authenticated.
    authenticated_seq: int = 0

    def wants(self, symbol: str) -> bool:
        return f"AM.{symbol}" in self.topics or "AM.*" in self.topics


@dataclass
class _DayTotals:
    """Per (symbol, New York day): what the vendor accumulates into ``av``, ``op``, ``a``."""

    open: float
    volume: float = 0.0
    value: float = 0.0


class LiveFeed:
    def __init__(self, api_key: str, data: StubData, faults: Faults) -> None:
        self._api_key = api_key
        self._data = data
        self._faults = faults
        self._changed = threading.Condition()  # guards _sessions, topics and _sent
        self._sessions: list[_Session] = []
        self._sent: list[tuple[str, datetime]] = []
        self._days: dict[tuple[str, date], _DayTotals] = {}  # touched on the loop only
        self._closing: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        # Live fault switches and the connection log; guarded by _changed.
        self._connected_at: list[float] = []  # time.monotonic() of every connection
        self._auth_seq = 0
        self._max_connections: int | None = None
        self._evicting: tuple[str, str] | None = None
        self._auth_refusal: str | None = None
        self._subscription_refusal: str | None = None
        self._handshake_refusal: int | None = None
        self._refused_handshakes: list[float] = []

    # --- for tests -----------------------------------------------------------------

    def emit(self, bars: Iterable[Bar]) -> None:
        """Send 1m ``bars`` as ``AM`` events to the connections subscribed to them.

        One message per minute per connection, holding that minute's events (the
        vendor batches the same way). Returns once the messages are handed to the
        sockets. Call it from any thread but the feed's own.
        """
        batch = list(bars)
        if any(bar.timeframe is not Timeframe.M1 for bar in batch):
            raise ValueError("the live feed carries 1m bars only")
        if self._loop is None or self._thread is None:
            raise RuntimeError("the stub is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("emit() would deadlock on the feed's own thread")
        future = asyncio.run_coroutine_threadsafe(self._broadcast(batch), self._loop)
        future.result(_THREAD_SECONDS)

    def play(
        self, symbols: Iterable[str], start: datetime, minutes: int, interval: float = 0.0
    ) -> list[Bar]:
        """Emit the synthetic minutes of ``symbols`` from ``start``, one minute at a time,
        ``interval`` seconds apart; the bars emitted (minutes without trades send nothing).
        """
        first = Timeframe.M1.floor(start)
        span = Interval(first, first + timedelta(minutes=minutes))
        by_minute: dict[datetime, list[Bar]] = defaultdict(list)
        for symbol in symbols:
            for bar in self._data.bars(symbol, Timeframe.M1, span):
                by_minute[bar.start].append(bar)
        played: list[Bar] = []
        for index in range(minutes):
            bars = by_minute.get(first + timedelta(minutes=index), [])
            if bars:
                self.emit(bars)
                played.extend(bars)
            if interval and index < minutes - 1:
                time.sleep(interval)
        return played

    def connections(self) -> int:
        """Open connections (authenticated or not)."""
        with self._changed:
            return len(self._sessions)

    def wait_for_subscribers(self, n: int, timeout: float, topic: str | None = None) -> None:
        """Block until ``n`` open connections (not being dropped or evicted) hold a
        subscription (to ``topic`` if given); ``TimeoutError`` after ``timeout`` seconds."""

        def enough() -> bool:
            holding = [
                s
                for s in self._sessions
                if not s.dropped and (topic in s.topics if topic else s.topics)
            ]
            return len(holding) >= n

        with self._changed:
            if not self._changed.wait_for(enough, timeout):
                raise TimeoutError(
                    f"{len(self._sessions)} connection(s) open, fewer than {n} subscribed "
                    f"to {topic or 'anything'} after {timeout}s"
                )

    def connection_times(self) -> list[float]:
        """``time.monotonic()`` of every connection accepted so far, in order (open or
        closed since): how often a client came back, and how far apart."""
        with self._changed:
            return list(self._connected_at)

    # --- live fault switches (for tests) -----------------------------------------------

    @property
    def max_connections(self) -> int | None:
        """Concurrent authenticated connections allowed for the key (None: unlimited, the
        default). The vendor allows one per cluster (knowledge base, see the module
        docstring); past the limit it does not refuse the newcomer but evicts the
        OLDEST connection (first in, first out: massive-com/client-python#860): that
        one gets the ``max_connections`` status (spec: DisconnectEvent) and close 1008,
        and the newcomer keeps streaming."""
        with self._changed:
            return self._max_connections

    @max_connections.setter
    def max_connections(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise ValueError("max_connections must be at least 1 (or None)")
        with self._changed:
            self._max_connections = limit

    def evict_all(
        self, status: str = "max_connections", message: str | None = None, persistent: bool = False
    ) -> None:
        """End every open connection the vendor's way: the status (spec: DisconnectEvent,
        ``max_connections`` / ``force_disconnect`` / ``slow_consumer``; the text defaults to
        ``DISCONNECT_MESSAGES``), then close 1008. With ``persistent``, every later
        connection is ended the same way right after its subscription is answered (a
        rival session with the same key that always takes the slot back), until
        ``stop_evicting()``."""
        text = message if message is not None else DISCONNECT_MESSAGES.get(status, status)
        with self._changed:
            if persistent:
                self._evicting = (status, text)
            sessions = [s for s in self._sessions if not s.dropped]
        self._on_loop(self._evict_sessions(sessions, status, text))

    def stop_evicting(self) -> None:
        with self._changed:
            self._evicting = None

    def refuse_auth(self, message: str | None = NO_WEBSOCKET_PLAN_MESSAGE) -> None:
        """Later ``auth`` actions, even with the right key, get ``auth_failed`` with
        ``message`` and close 1008: the vendor's answer to a plan without WebSocket access
        (spec: AuthEvent; the default text from QuantConnect/Lean.DataSource.Polygon#21).
        ``None`` lifts the refusal. A wrong key always gets ``WRONG_KEY_MESSAGE``."""
        with self._changed:
            self._auth_refusal = message

    def refuse_subscriptions(self, message: str | None = "not authorized") -> None:
        """Later ``subscribe`` actions get one ``{"status": "error", "message": message}``
        per topic instead of ``success`` (spec: SubscribeEvent, whose status is one of
        ``success``, ``auth_required``, ``error``); the connection stays open and the
        topics are not subscribed. ``None`` lifts the refusal."""
        with self._changed:
            self._subscription_refusal = message

    def refuse_handshakes(self, status: int | None = 502) -> None:
        """Answer later WebSocket upgrades with this HTTP status instead of 101 (a gateway
        in trouble; no vendor document describes its answer, so the status is the
        test's). ``None`` lifts it. ``refused_handshakes()`` counts them."""
        with self._changed:
            self._handshake_refusal = status

    def refused_handshakes(self) -> list[float]:
        """``time.monotonic()`` of every upgrade refused by ``refuse_handshakes``."""
        with self._changed:
            return list(self._refused_handshakes)

    def send_status(self, status: str, message: str) -> None:
        """One status message (spec: components/schemas/Event) to every authenticated
        connection; the connection stays open."""
        with self._changed:
            sessions = [s for s in self._sessions if s.authenticated and not s.dropped]
        self._on_loop(self._send_to(sessions, _statuses((status, message))))

    def send_events(self, events: Iterable[dict[str, Any]]) -> None:
        """Raw events (e.g. a full ``AM`` event as the spec's /stocks/AM example) in one
        message to every authenticated connection subscribed to each event's ``sym``."""
        batch = list(events)
        with self._changed:
            sessions = [s for s in self._sessions if s.authenticated and not s.dropped]
        self._on_loop(self._send_events(sessions, batch))

    @property
    def sent(self) -> list[tuple[str, datetime]]:
        """(symbol, bar start) of every event sent, once per connection it went to."""
        with self._changed:
            return list(self._sent)

    # --- server lifetime -------------------------------------------------------------

    def start(self) -> str:
        """Start serving; the ``host:port`` to give the client as its feed."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="polygon-stub-ws", daemon=True
        )
        self._thread.start()
        if not ready.wait(_THREAD_SECONDS) or failure or self._server is None:
            raise RuntimeError(f"the stub's WebSocket server did not start: {failure}")
        port = self._server.sockets[0].getsockname()[1]
        return f"127.0.0.1:{port}"

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._close(), loop)
            try:
                future.result(_THREAD_SECONDS)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(_THREAD_SECONDS)
        self._loop = self._thread = self._server = None

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        assert self._loop is not None
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(self._open())
        except Exception as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _open(self) -> Server:
        return await serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            close_timeout=1,
        )

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()  # closes every connection with 1001 (going away)
        await self._server.wait_closed()
        if self._closing:
            await asyncio.wait(self._closing, timeout=_THREAD_SECONDS)

    # --- the protocol ----------------------------------------------------------------

    async def _serve(self, connection: ServerConnection) -> None:
        session = _Session(connection)
        with self._changed:
            self._sessions.append(session)
            self._connected_at.append(time.monotonic())
            self._changed.notify_all()
        try:
            # spec: ConnectEvent. The spec's example says status "success"; the servers
            # (and the official client's examples) send "connected".
            await connection.send(_statuses(("connected", "Connected Successfully")))
            async for message in connection:
                if not await self._on_message(session, message):
                    break
        except ConnectionClosed:
            pass
        finally:
            self._forget(session)

    async def _on_message(self, session: _Session, message: str | bytes) -> bool:
        """Answer one client message; False when the connection is to end."""
        try:
            request = json.loads(message)
            action, params = request["action"], str(request.get("params", ""))
        except (ValueError, KeyError, TypeError):
            await session.connection.send(_statuses(("error", "invalid message")))
            return True
        if action == "auth":
            with self._changed:
                refusal = self._auth_refusal
            if params != self._api_key or refusal is not None:
                # spec: AuthEvent auth_failed, then the connection ends.
                text = WRONG_KEY_MESSAGE if params != self._api_key else str(refusal)
                await session.connection.send(_statuses(("auth_failed", text)))
                await session.connection.close(EVICTION_CLOSE_CODE, text[:120])
                return False
            await session.connection.send(_statuses(("auth_success", "authenticated")))
            self._authenticated(session)
        elif not session.authenticated:
            # spec: SubscribeEvent status auth_required.
            await session.connection.send(_statuses(("auth_required", "not authorized")))
        elif action in ("subscribe", "unsubscribe"):
            topics = [topic.strip() for topic in params.split(",") if topic.strip()]
            with self._changed:
                refused = self._subscription_refusal if action == "subscribe" else None
                evicting = self._evicting
            if refused is not None:
                # spec: SubscribeEvent status "error"; nothing is subscribed.
                await session.connection.send(_statuses(*(("error", refused) for _ in topics)))
                return True
            with self._changed:
                if action == "subscribe":
                    session.topics.update(topics)
                else:
                    session.topics.difference_update(topics)
                self._changed.notify_all()
            done = "subscribed to" if action == "subscribe" else "unsubscribed to"
            await session.connection.send(_statuses(*(("success", f"{done}: {t}") for t in topics)))
            if evicting is not None and action == "subscribe":
                # A rival session takes the slot back as soon as this one is streaming.
                await self._evict(session, *evicting)
                return False
        else:
            await session.connection.send(_statuses(("error", f"unknown action {action!r}")))
        return True

    async def _broadcast(self, bars: list[Bar]) -> None:
        for _, minute in groupby(sorted(bars, key=lambda bar: bar.start), lambda bar: bar.start):
            events = [(bar, self._aggregate_event(bar)) for bar in minute]
            with self._changed:
                sessions = list(self._sessions)
            for session in sessions:
                chosen = [(bar, event) for bar, event in events if session.wants(bar.symbol)]
                if session.dropped or not session.authenticated or not chosen:
                    continue
                try:
                    await session.connection.send(json.dumps([event for _, event in chosen]))
                except ConnectionClosed:
                    continue
                with self._changed:
                    self._sent.extend((bar.symbol, bar.start) for bar, _ in chosen)
                if (due := self._faults.count_live_message()) is not None:
                    self._drop_everyone(abrupt=due.abrupt)

    def _on_loop(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run ``coroutine`` on the feed's loop and wait for it (from the test's thread)."""
        if self._loop is None or self._thread is None:
            coroutine.close()
            raise RuntimeError("the stub is not running")
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("this would deadlock on the feed's own thread")
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(_THREAD_SECONDS)

    async def _send_to(self, sessions: list[_Session], message: str) -> None:
        for session in sessions:
            with contextlib.suppress(ConnectionClosed):
                await session.connection.send(message)

    async def _send_events(self, sessions: list[_Session], events: list[dict[str, Any]]) -> None:
        for session in sessions:
            chosen = [e for e in events if session.wants(str(e.get("sym", "")))]
            if chosen:
                with contextlib.suppress(ConnectionClosed):
                    await session.connection.send(json.dumps(chosen))

    async def _evict_sessions(self, sessions: list[_Session], status: str, message: str) -> None:
        await asyncio.gather(*(self._evict(session, status, message) for session in sessions))

    async def _evict(self, session: _Session, status: str, message: str) -> None:
        """The status, then close 1008: how the vendor ends a connection it evicts."""
        if session.dropped:
            return
        session.dropped = True
        with contextlib.suppress(ConnectionClosed):
            await session.connection.send(_statuses((status, message)))
            await session.connection.close(EVICTION_CLOSE_CODE, message[:120])

    def _evict_later(self, session: _Session, status: str, message: str) -> None:
        task = asyncio.ensure_future(self._evict(session, status, message))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _drop_everyone(self, abrupt: bool) -> None:
        with self._changed:
            sessions, self._sessions = self._sessions, []
            self._changed.notify_all()
        for session in sessions:
            session.dropped = True
            if abrupt:
                # Sends what is buffered, then closes TCP with no close frame (1006).
                session.connection.transport.close()
            else:
                task = asyncio.ensure_future(
                    session.connection.close(1011, "stub: injected disconnect")
                )
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """The HTTP side of the handshake: 404 off the market path, or a refused upgrade."""
        if request.path != MARKET_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, f"no feed at {request.path}\n")
        with self._changed:
            refusal = self._handshake_refusal
            if refusal is not None:
                self._refused_handshakes.append(time.monotonic())
        if refusal is not None:
            return connection.respond(HTTPStatus(refusal), "stub: upgrade refused\n")
        return None

    def _authenticated(self, session: _Session) -> None:
        """Count the key's connections; past ``max_connections`` the oldest are evicted
        (massive-com/client-python#860: first in, first out), the newcomer stays."""
        with self._changed:
            self._auth_seq += 1
            session.authenticated = True
            session.authenticated_seq = self._auth_seq
            limit = self._max_connections
            live = sorted(
                (s for s in self._sessions if s.authenticated and not s.dropped),
                key=lambda s: s.authenticated_seq,
            )
            self._changed.notify_all()
        if limit is not None and len(live) > limit:
            for oldest in live[: len(live) - limit]:
                self._evict_later(oldest, "max_connections", DISCONNECT_MESSAGES["max_connections"])

    def _forget(self, session: _Session) -> None:
        with self._changed:
            if session in self._sessions:
                self._sessions.remove(session)
            self._changed.notify_all()

    def _aggregate_event(self, bar: Bar) -> dict[str, Any]:
        vwap = bar.vwap if bar.vwap is not None else (bar.open + bar.high + bar.low + bar.close) / 4
        day = (bar.symbol, bar.start.astimezone(_NEW_YORK).date())
        totals = self._days.setdefault(day, _DayTotals(open=bar.open))
        totals.volume += bar.volume
        totals.value += vwap * bar.volume
        start = to_ms(bar.start)
        return {
            "ev": "AM",
            "sym": bar.symbol,
            "v": bar.volume,
            "av": totals.volume,
            "op": totals.open,
            "vw": vwap,
            "o": bar.open,
            "c": bar.close,
            "h": bar.high,
            "l": bar.low,
            "a": round(totals.value / totals.volume, 4) if totals.volume else vwap,
            "z": int(bar.volume // bar.trades) if bar.trades else int(bar.volume),
            "s": start,
            "e": start + _MINUTE_MS,
        }


def _statuses(*statuses: tuple[str, str]) -> str:
    return json.dumps([{"ev": "status", "status": s, "message": m} for s, m in statuses])
