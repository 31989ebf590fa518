"""``/ws/bars``: live bars relayed from the event bus (Redis, or this process's own).

Protocol (documented in docs/api.md): the server sends one JSON text frame per bar
(``bar_events.event_fields``, what ``watch --json`` prints too). On bad input, a missing
token, or a feed that fails, it sends one ``{"error", "detail"}`` frame and closes: 1008
for what the client sent, 1011 when the feed is unavailable. Anything the client sends is
ignored; closing is how it leaves.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncGenerator

import anyio
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from chronox_domain.errors import ChronoxError, InvalidInput, Unauthorized
from chronox_domain.events import BarEvent, check_subscription
from chronox_domain.ports import EventSubscriber
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import check_token
from chronox_entrypoints.bar_events import event_fields
from chronox_entrypoints.container import open_shared

router = APIRouter()

#: The most bars of each symbol a client may ask to be replayed first.
MAX_REPLAY = 1_000
_REPLAY = re.compile(rf"[0-9]{{1,{len(str(MAX_REPLAY))}}}")
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011


@router.websocket("/ws/bars")
async def bars_feed(websocket: WebSocket) -> None:
    """``?symbols=SPY,AAPL&timeframe=1m&replay=N``"""
    await websocket.accept()
    try:
        if websocket.app.state.guard_reads:
            check_token(websocket, websocket.headers.get("authorization"))
        symbols, timeframe, replay = _query(websocket)
        container = websocket.app.state.container
        check_subscription(symbols, container.settings().max_watch_symbols)
        await anyio.to_thread.run_sync(open_shared, container)
        feed: EventSubscriber = container.feed()
        stream = feed.subscribe(symbols, timeframe, replay)
    except ChronoxError as error:
        await _close(websocket, error)
        return
    failure: list[ChronoxError] = []
    # One task group: whichever ends first (the feed, or the client leaving) ends both.
    async with anyio.create_task_group() as group:

        async def relay() -> None:
            try:
                await _relay(websocket, stream)
            except ChronoxError as error:
                failure.append(error)
            except WebSocketDisconnect:
                pass
            group.cancel_scope.cancel()

        async def until_closed() -> None:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
            group.cancel_scope.cancel()

        group.start_soon(relay)
        group.start_soon(until_closed)
    if failure:
        await _close(websocket, failure[0])


def _query(websocket: WebSocket) -> tuple[list[str], Timeframe, int]:
    query = websocket.query_params
    symbols = [s for s in query.get("symbols", "").split(",") if s.strip()]
    if not symbols:
        raise InvalidInput("pass ?symbols=SPY,AAPL")
    timeframe = Timeframe.parse(query.get("timeframe", "1m"))
    text = query.get("replay", "0")
    # ASCII digits only: str.isdigit() also accepts a superscript two, which int()
    # refuses, or Arabic-Indic digits, which it reads; and a few digits at most.
    if not _REPLAY.fullmatch(text) or int(text) > MAX_REPLAY:
        raise InvalidInput(f"replay must be a whole number from 0 to {MAX_REPLAY}, not {text!r}")
    return symbols, timeframe, int(text)


async def _relay(websocket: WebSocket, stream: AsyncGenerator[BarEvent, None]) -> None:
    async with contextlib.aclosing(stream):
        async for event in stream:
            await websocket.send_text(json.dumps(event_fields(event)))


async def _close(websocket: WebSocket, error: ChronoxError) -> None:
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    code = POLICY_VIOLATION if isinstance(error, InvalidInput | Unauthorized) else INTERNAL_ERROR
    with contextlib.suppress(Exception):  # the client may be gone already
        await websocket.send_json({"error": error.code, "detail": str(error)})
        await websocket.close(code, reason=error.code)
