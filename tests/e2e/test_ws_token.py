"""``/ws/bars`` takes the token as a browser can send it: a WebSocket subprotocol
(``chronox.bearer.<base64url>`` beside ``chronox.v1``), checked like the header, over a
real server and a real WebSocket client; never from the query string."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from chronox_entrypoints.api.deps import bearer_of_subprotocols
from chronox_entrypoints.cli.embedded import serving
from chronox_entrypoints.container import Container
from tests.conftest import hermetic_settings

#: A token whose base64 holds both characters base64url replaces (+ and /), and
#: padding.
TOKEN = "tok?>>WS~?SECRET??>-51"
QUERY = "/ws/bars?symbols=SPY&timeframe=1m&replay=1"


def bearer(token: str) -> str:
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    return f"chronox.bearer.{encoded}"


def serve(tmp_path: Path, **settings: Any) -> Iterator[str]:
    """A real uvicorn on loopback over a store holding SPY's bars of one session; its
    ws:// base."""
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    container = Container(settings=hermetic_settings(store=store, settle_minutes=0, **settings))
    container.registry_service().add("SPY")
    container.pipeline().backfill(["SPY"], date(2024, 11, 25), date(2024, 11, 25))
    with serving(container) as base:
        yield base.replace("http", "ws", 1)


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, api_token=TOKEN, api_auth_reads=True)


@pytest.fixture
def open_reads(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, api_token=None)


async def first_frame(url: str, protocols: list[str] | None, **headers: str) -> tuple[Any, ...]:
    """The accepted subprotocol, the first frame, and the close code if the server
    closed after it (None while the socket stays open)."""
    async with (
        asyncio.timeout(20),
        websockets.connect(
            url,
            subprotocols=None if protocols is None else [Subprotocol(p) for p in protocols],
            additional_headers=headers or None,
        ) as ws,
    ):
        frame = json.loads(await ws.recv())
        try:
            await asyncio.wait_for(ws.recv(), timeout=0.5)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None
            return ws.subprotocol, frame, closed.rcvd.code
        except TimeoutError:
            pass
        return ws.subprotocol, frame, None


def test_the_right_token_as_a_subprotocol_is_accepted_as_chronox_v1(guarded: str) -> None:
    protocol, frame, closed = asyncio.run(
        first_frame(guarded + QUERY, ["chronox.v1", bearer(TOKEN)])
    )
    # The server names the protocol, never echoes the token's.
    assert protocol == "chronox.v1"
    assert frame["symbol"] == "SPY" and "error" not in frame and closed is None


def test_a_client_that_offers_only_the_token_is_served_without_a_protocol(guarded: str) -> None:
    protocol, frame, closed = asyncio.run(first_frame(guarded + QUERY, [bearer(TOKEN)]))
    assert protocol is None and frame["symbol"] == "SPY" and closed is None


def test_the_header_still_works(guarded: str) -> None:
    protocol, frame, closed = asyncio.run(
        first_frame(guarded + QUERY, ["chronox.v1"], Authorization=f"Bearer {TOKEN}")
    )
    assert protocol == "chronox.v1" and frame["symbol"] == "SPY" and closed is None


@pytest.mark.parametrize(
    ("protocols", "query"),
    [
        (["chronox.v1", bearer("wrong-token")], ""),
        (["chronox.v1", bearer(TOKEN[:-1])], ""),
        (["chronox.v1", "chronox.bearer.%%%"], ""),  # not base64url
        (["chronox.v1", "chronox.bearer.QQ"], ""),  # base64url, but not the token
        (["chronox.v1", "chronox.bearer.Q"], ""),  # no base64 at all (one character)
        (["chronox.v1"], ""),  # no token
        (None, ""),
        # The query string is never read for a token: URLs end up in logs and histories.
        (["chronox.v1"], f"&token={TOKEN}&access_token={TOKEN}&authorization=Bearer+{TOKEN}"),
    ],
)
def test_a_wrong_or_missing_token_is_an_error_frame_and_1008(
    guarded: str, protocols: list[str] | None, query: str
) -> None:
    protocol, frame, closed = asyncio.run(first_frame(guarded + QUERY + query, protocols))
    assert frame["error"] == "unauthorized" and closed == 1008
    assert protocol == ("chronox.v1" if protocols else None)


def test_a_server_with_open_reads_accepts_a_browser_with_no_token(open_reads: str) -> None:
    protocol, frame, closed = asyncio.run(first_frame(open_reads + QUERY, ["chronox.v1"]))
    assert protocol == "chronox.v1" and frame["symbol"] == "SPY" and closed is None


@pytest.mark.parametrize(
    ("offered", "header"),
    [
        ([], None),
        (["chronox.v1"], None),
        (["chronox.v1", bearer("s3cret")], "Bearer s3cret"),
        ([bearer("a"), bearer("b")], "Bearer a"),
        (["chronox.bearer."], "Bearer "),
        (["chronox.bearer.____"], "Bearer "),  # decodes to bytes that are not UTF-8
        # A browser encodes the token's UTF-8 (TextEncoder): a header could not carry it.
        ([bearer("clé-ü")], "Bearer clé-ü"),
    ],
)
def test_the_bearer_of_a_list_of_subprotocols(offered: list[str], header: str | None) -> None:
    assert bearer_of_subprotocols(offered) == header
