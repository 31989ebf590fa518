"""``/ws/bars``: live bars relayed from the event bus (Redis, or this process's own).

Protocol (documented in docs/api.md): the server sends one JSON text frame per bar
(``chronox_presentation.bars.LiveBarOut``: the fields ``watch --json`` prints, plus
``adjust``, the price basis asked). ``replay=N`` first sends the newest N stored bars of
each symbol, read through ``BarsService`` on that basis; then the bars the bus carries,
as they traded, which is what they read on every basis (a live bar is of the current
session, and no action has taken effect after it: see
``chronox_domain.services.live_basis``). When a split or an ex-date takes effect (or is
synced) while the socket is open, the bars sent before it are stale on ``splits`` and
``all``: the server sends ``{"error": "basis_changed"}`` and closes with 4001, for the
client to read its bars again and subscribe anew.

The token (when reads are guarded) comes in the ``Authorization`` header, or, from a
browser, which cannot set one on a WebSocket, as the subprotocol
``chronox.bearer.<base64url of the token, without padding>`` offered beside
``chronox.v1``; the server accepts ``chronox.v1`` (browsers fail a handshake that
accepts none of the protocols they offered) and never echoes the token's. Never in the
query string: URLs end up in logs and histories.

On bad input, a missing or wrong token, or a feed that fails, it sends one
``{"error", "detail"}`` frame and closes: 1008 for what the client sent, 1011 when the
feed is unavailable. Anything the client sends is ignored; closing is how it leaves.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from chronox_domain.actions import DEFAULT_BASIS, PriceBasis
from chronox_domain.errors import BasisChanged, ChronoxError, InvalidInput, Unauthorized
from chronox_domain.events import BarEvent, check_subscription
from chronox_domain.ports import EventSubscriber
from chronox_domain.services.live_basis import BasisWatch, LiveReplay, Replay, Splice
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import WS_PROTOCOL, bearer_of_subprotocols, check_token
from chronox_entrypoints.container import Container, open_shared
from chronox_presentation.bars import LiveBarOut

router = APIRouter()

_T = TypeVar("_T")

#: Store reads (actions, replays) the sockets run in worker threads at once.
WS_STORE_READS = 4
#: The most bars of each symbol a client may ask to be replayed first.
MAX_REPLAY = 1_000
_REPLAY = re.compile(rf"[0-9]{{1,{len(str(MAX_REPLAY))}}}")
#: Bus events buffered for a client while its replay is read and sent.
BUFFERED = 10_000
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
#: An application's own close code (4000-4999): the basis changed, read the bars again.
BASIS_CHANGED = 4001


@router.websocket("/ws/bars")
async def bars_feed(websocket: WebSocket) -> None:
    """``?symbols=SPY,AAPL&timeframe=1m&replay=N&adjust=splits``"""
    offered: list[str] = list(websocket.scope.get("subprotocols", []))
    await websocket.accept(subprotocol=WS_PROTOCOL if WS_PROTOCOL in offered else None)
    try:
        if websocket.app.state.guard_reads:
            header = websocket.headers.get("authorization")
            check_token(websocket, header or bearer_of_subprotocols(offered))
        symbols, timeframe, replay, basis = _query(websocket)
        container: Container = websocket.app.state.container
        check_subscription(symbols, container.settings().max_watch_symbols)
        await anyio.to_thread.run_sync(open_shared, container)
        feed: EventSubscriber = container.feed()
        watch = BasisWatch(container.action_store(), basis, container.calendar(), container.clock())
        # The bus's own replay bridges the read of ours and its subscription taking hold.
        stream = feed.subscribe(symbols, timeframe, replay)
    except ChronoxError as error:
        await _close(websocket, error)
        return
    failure: list[ChronoxError] = []
    reads = _store_reads(websocket)
    buffered, taken = anyio.create_memory_object_stream[BarEvent](BUFFERED)
    # One task group: whichever ends first (the feed, or the client leaving) ends all.
    async with anyio.create_task_group() as group:

        async def guarded(work: Callable[[], Awaitable[None]]) -> None:
            try:
                await work()
            except ChronoxError as error:
                failure.append(error)
            except (WebSocketDisconnect, anyio.BrokenResourceError):
                pass  # the client left, or the relay ended before the pump
            group.cancel_scope.cancel()

        async def pump() -> None:
            """The bus, subscribed at once: what it carries waits here during the replay."""
            async with buffered, contextlib.aclosing(stream):
                async for event in stream:
                    await buffered.send(event)

        async def relay() -> None:
            async with taken:
                await _read(reads, watch.load, symbols)
                splice = Splice(Replay([], {}))
                if replay:
                    reader = LiveReplay(
                        container.bars(), container.repository(), container.calendar(),
                        container.clock(),
                    )  # fmt: skip
                    history = await _read(reads, reader.newest, symbols, timeframe, replay, basis)
                    for event in history.events:
                        await _send(websocket, event, basis)
                    splice = Splice(history)
                async for event in taken:
                    if watch.due(event):
                        await _read(reads, watch.recheck, event)
                    if splice.fresh(event) and watch.relayable(event):
                        await _send(websocket, event, basis)

        async def until_closed() -> None:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
            group.cancel_scope.cancel()

        group.start_soon(guarded, pump)
        group.start_soon(guarded, relay)
        group.start_soon(until_closed)
    if failure:
        await _close(websocket, failure[0])


def _store_reads(websocket: WebSocket) -> anyio.CapacityLimiter:
    """The app's limit on the store reads its sockets run in worker threads at once.

    Each socket reads its actions and its replay in a thread; a storm of connections
    would otherwise fill the whole pool with busy Python threads that starve the event
    loop of the GIL, so that new clients time out in their opening handshake. Created
    on first use: a limiter belongs to the running event loop."""
    state = websocket.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "ws_store_reads", None)
    if limiter is None:
        limiter = state.ws_store_reads = anyio.CapacityLimiter(WS_STORE_READS)
    return limiter


async def _read(reads: anyio.CapacityLimiter, work: Callable[..., _T], *args: Any) -> _T:
    """``work(*args)`` in a worker thread of the default pool, at most ``reads`` of them
    at once: the pool's own limit still bounds the threads of the whole app."""
    async with reads:
        return await anyio.to_thread.run_sync(work, *args)


def _query(websocket: WebSocket) -> tuple[list[str], Timeframe, int, PriceBasis]:
    query = websocket.query_params
    names = [s for s in query.get("symbols", "").split(",") if s.strip()]
    if not names:
        raise InvalidInput("pass ?symbols=SPY,AAPL")
    symbols = sorted({parse_symbol(name) for name in names})
    timeframe = Timeframe.parse(query.get("timeframe", "1m"))
    text = query.get("replay", "0")
    # ASCII digits only: str.isdigit() also accepts a superscript two, which int()
    # refuses, or Arabic-Indic digits, which it reads; and a few digits at most.
    if not _REPLAY.fullmatch(text) or int(text) > MAX_REPLAY:
        raise InvalidInput(f"replay must be a whole number from 0 to {MAX_REPLAY}, not {text!r}")
    basis = PriceBasis.parse(query.get("adjust", DEFAULT_BASIS.value))
    return symbols, timeframe, int(text), basis


async def _send(websocket: WebSocket, event: BarEvent, basis: PriceBasis) -> None:
    try:
        await websocket.send_text(LiveBarOut.of_live(event, basis).model_dump_json())
    except RuntimeError as closed:
        # A send on a socket the client already closed: newer servers raise a
        # disconnect, uvicorn before 0.30 and starlette's own state check a RuntimeError.
        raise WebSocketDisconnect(1006) from closed


async def _close(websocket: WebSocket, error: ChronoxError) -> None:
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    code = POLICY_VIOLATION if isinstance(error, InvalidInput | Unauthorized) else INTERNAL_ERROR
    if isinstance(error, BasisChanged):
        code = BASIS_CHANGED
    with contextlib.suppress(Exception):  # the client may be gone already
        await websocket.send_json({"error": error.code, "detail": str(error)})
        await websocket.close(code, reason=error.code)
