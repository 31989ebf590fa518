"""The live feed: the vendor's WebSocket protocol for minute aggregates (``AM``).

The server runs on its own event loop in its own thread; the test-facing methods
(``emit``, ``play``, ``wait_for_subscribers``...) are called from the test's thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
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


@dataclass(eq=False)
class _Session:
    connection: ServerConnection
    authenticated: bool = False
    dropped: bool = False
    topics: set[str] = field(default_factory=set)

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
        """Block until ``n`` open connections hold a subscription (to ``topic`` if given);
        ``TimeoutError`` after ``timeout`` seconds."""

        def enough() -> bool:
            holding = [s for s in self._sessions if (topic in s.topics if topic else s.topics)]
            return len(holding) >= n

        with self._changed:
            if not self._changed.wait_for(enough, timeout):
                raise TimeoutError(
                    f"{len(self._sessions)} connection(s) open, fewer than {n} subscribed "
                    f"to {topic or 'anything'} after {timeout}s"
                )

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
            process_request=_only_the_market_path,
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
            self._changed.notify_all()
        try:
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
            if params != self._api_key:
                await session.connection.send(_statuses(("auth_failed", "authentication failed")))
                await session.connection.close(1008, "authentication failed")
                return False
            session.authenticated = True
            await session.connection.send(_statuses(("auth_success", "authenticated")))
        elif not session.authenticated:
            await session.connection.send(_statuses(("error", "not authorized")))
        elif action in ("subscribe", "unsubscribe"):
            topics = [topic.strip() for topic in params.split(",") if topic.strip()]
            with self._changed:
                if action == "subscribe":
                    session.topics.update(topics)
                else:
                    session.topics.difference_update(topics)
                self._changed.notify_all()
            done = "subscribed to" if action == "subscribe" else "unsubscribed to"
            await session.connection.send(_statuses(*(("success", f"{done}: {t}") for t in topics)))
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


def _only_the_market_path(connection: ServerConnection, request: Request) -> Response | None:
    if request.path != MARKET_PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, f"no feed at {request.path}\n")
    return None
