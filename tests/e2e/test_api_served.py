"""``chronox-cli serve`` as a user runs it: a real uvicorn on loopback, HTTP and WebSocket
clients over real sockets, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.served import free_port, wait_until_up


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The base URL of ``chronox-cli serve`` on an embedded store of its own."""
    port = free_port()
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{tmp_path / 'api.sqlite3'}"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_API_TOKEN"):
        env.pop(name, None)
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, base)
        yield base
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
        # uvicorn shuts down gracefully, then re-raises the signal: the conventional exit.
        assert server.returncode in (0, -signal.SIGTERM), err
        assert "Finished server process" in err and "Traceback" not in err, err
    finally:
        server.kill()


def test_served_api_relays_a_backfill_over_a_real_websocket(served: str) -> None:
    async def backfill(http: httpx.AsyncClient, day: str) -> list[str]:
        """Backfill one session; the starts of the bars it stored."""
        (job,) = (await http.post("/backfill", json={"start": day, "end": day})).json()
        async with asyncio.timeout(30):  # the job's deadline
            while (await http.get(f"/jobs/{job['id']}")).json()["state"] in ("queued", "running"):
                await asyncio.sleep(0.05)
        page = await http.get("/bars/SPY", params={"start": day, "end": day, "limit": 5000})
        return [bar["start"] for bar in page.json()["bars"]]

    async def scenario() -> tuple[list[str], list[str]]:
        async with httpx.AsyncClient(base_url=served, timeout=10) as http:
            assert (await http.post("/symbols", json={"symbol": "SPY"})).status_code == 201
            first = await backfill(http, "2024-11-25")
            url = served.replace("http", "ws", 1) + "/ws/bars?symbols=SPY&replay=1"
            async with websockets.connect(url) as ws, asyncio.timeout(30):
                # The replayed bar arrives once the subscription is live.
                assert json.loads(await ws.recv())["start"] == first[-1]
                stored = await backfill(http, "2024-11-26")
                frames = [json.loads(await ws.recv()) for _ in stored]
        assert {(f["symbol"], f["timeframe"]) for f in frames} == {("SPY", "1m")}
        return [frame["start"] for frame in frames], stored

    relayed, stored = asyncio.run(scenario())
    assert len(stored) > 380 and relayed == stored


def test_serve_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{tmp_path / 'api.sqlite3'}"}
    env.pop("CHRONOX_API_TOKEN", None)
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--host", "0.0.0.0"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: refusing to serve on 0.0.0.0")
    assert len(done.stderr.strip().splitlines()) == 1
