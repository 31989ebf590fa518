"""What the tests that start a real server on loopback share: a free port, and waiting
until the server answers."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A port nothing listens on right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(server: subprocess.Popen[str], base: str, seconds: float = 30) -> None:
    """Return once ``base``/health answers 200; fail if the server exits or is slow."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.communicate()[1]
        assert time.monotonic() < deadline, f"the server did not come up in {seconds:g} s"
        time.sleep(0.1)
