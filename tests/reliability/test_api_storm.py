"""The served API under abuse: a WebSocket storm with abrupt disconnects, and slow CSV
readers. Nothing may leak (file descriptors, threads) and memory stays bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets

from tests.served import free_port, wait_until_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STORM = 200


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[str]

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://")

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def threads(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("Threads:"))[8:])

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]
        return int(kb) / 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``chronox-cli serve`` on an embedded store holding one year of SPY 1m bars."""
    store = f"sqlite:///{tmp_path_factory.mktemp('storm') / 'api.sqlite3'}"
    env = {**os.environ, "CHRONOX_STORE": store, "CHRONOX_LOG_LEVEL": "ERROR"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_API_TOKEN"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "chronox_entrypoints.cli.main"]
    ingest = [*cli, "ingest", "SPY", "--start", "2024-01-02", "--end", "2024-12-31"]
    subprocess.run(ingest, env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield Server(base, process)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert "Traceback" not in err, err
    finally:
        process.kill()


def _settled(read: object, at_most: float, settle_seconds: float = 10.0) -> int:
    """The value of ``read()`` once it is at most ``at_most``, or after the time is up."""
    deadline = time.monotonic() + settle_seconds
    while True:
        value = read()  # type: ignore[operator]
        if value <= at_most or time.monotonic() > deadline:
            return int(value)
        time.sleep(0.2)


def test_a_websocket_storm_with_abrupt_disconnects_leaks_nothing(server: Server) -> None:
    httpx.get(f"{server.base}/health", timeout=5)  # everything opened that will be
    fds, threads = server.fds(), server.threads()

    async def storm() -> int:
        url = f"{server.ws}/ws/bars?symbols=SPY,QQQ&replay=5"
        opened = await asyncio.gather(
            *(websockets.connect(url, open_timeout=20) for _ in range(STORM)),
            return_exceptions=True,
        )
        live = [ws for ws in opened if not isinstance(ws, BaseException)]
        for i, ws in enumerate(live):
            if i % 2:
                ws.transport.abort()  # TCP reset, no close frame: a client that vanished
            else:
                await ws.close()
        return len(live)

    assert asyncio.run(storm()) == STORM
    # The server notices every vanished client and lets go of its socket and its task.
    assert _settled(server.fds, fds + 5) <= fds + 5
    # Threads: the worker pool that opens shared resources (anyio's, at most 40, kept
    # idle until its next use) may grow, in either storm, up to its cap and no further:
    # a second storm leaks nothing on top. (The first storm need not have grown the pool
    # to its cap, so the second may still add idle workers below it.)
    most = threads + 40 + 2
    assert server.threads() <= most
    assert asyncio.run(storm()) == STORM
    assert _settled(server.fds, fds + 5) <= fds + 5
    assert _settled(server.threads, most) <= most
    assert httpx.get(f"{server.base}/health", timeout=5).status_code == 200


def test_slow_csv_readers_keep_the_servers_memory_bounded(server: Server) -> None:
    """Eight clients start a year-long CSV stream (97,221 bars, ~7 MB of text each) and
    read it at a trickle: the server holds about a chunk (10,000 bars) per stream, not
    the streams."""
    before = server.rss_mb()
    params = {"start": "2024-01-02", "end": "2024-12-31", "format": "csv"}
    clients = [httpx.Client(base_url=server.base, timeout=30) for _ in range(8)]
    streams = [c.stream("GET", "/bars/SPY", params=params) for c in clients]
    try:
        responses = [s.__enter__() for s in streams]
        readers = [r.iter_bytes(4096) for r in responses]
        peak = before
        for _ in range(20):  # a trickle: 8 x 4 KiB, then a pause
            for reader in readers:
                next(reader)
            time.sleep(0.05)
            peak = max(peak, server.rss_mb())
        assert all(r.status_code == 200 for r in responses)
    finally:
        for stream in streams:
            stream.__exit__(None, None, None)
        for client in clients:
            client.close()
    # A year of bars held as rows is ~40 MB in Python, its text ~7 MB: eight whole
    # streams would be ~380 MB. A chunk per stream, with its rows and text, is a few MB.
    assert peak - before < 100, f"RSS grew from {before:.0f} MB to {peak:.0f} MB"
    assert httpx.get(f"{server.base}/health", timeout=5).status_code == 200
