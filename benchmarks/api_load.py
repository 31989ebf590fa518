"""The load clients of the REST API benchmark, and the CPU they and the server use.

``CONNECTIONS`` clients each send one request back to back for a fixed time; none
starts after that, and the ones in flight are waited for. A latency runs from sending
the request to the last byte of its body; an error is any status but 200 or any
exception, a body cut short included.

Two clients, because the client shares the machine's cores with the server:

* :func:`lean_load`, for answers of a few KB: HTTP/1.1 over asyncio streams, one
  request's bytes built once, the body read by its ``Content-Length`` (or its chunks).
  About 40 µs of CPU a request, so that on 2 cores the server, not the client, is what
  is measured (httpx costs some 2 ms a request: at 500 requests/s a whole core).
* :func:`httpx_load`, for long streams (a year as CSV), where the client's cost per
  request does not matter and a full client's handling of chunked bodies does.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

CONNECTIONS = 50
#: Per read of a response, and for the requests still in flight when a load ends.
READ_TIMEOUT = 120.0
DRAIN_LIMIT = 180.0

Params = dict[str, str | int]


@dataclass(frozen=True, slots=True)
class Load:
    """What ``CONNECTIONS`` clients sending one request back to back saw."""

    latencies: tuple[float, ...]  # of the requests that succeeded, in seconds
    errors: dict[str, int]  # what went wrong: how often
    elapsed: float
    #: CPU seconds this process (the client) and the server's processes used meanwhile.
    client_cpu: float
    server_cpu: float | None

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def server_cpu_per_request(self) -> float | None:
        if self.server_cpu is None or not self.latencies:
            return None
        return self.server_cpu / len(self.latencies)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * share) - 1)] if ordered else float("nan")


# --- CPU -------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, where /proc tells it (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawned_workers(parent: int) -> list[int]:
    """The worker processes uvicorn spawned for ``parent`` (multiprocessing's children
    running ``spawn_main``; its resource tracker is left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def server_cpu(pids: list[int]) -> float | None:
    times = [cpu_seconds(pid) for pid in pids]
    return None if any(t is None for t in times) else sum(t for t in times if t is not None)


def _measured(server: list[int], run: Callable[[], tuple[list[float], dict[str, int]]]) -> Load:
    client_before, server_before = time.process_time(), server_cpu(server)
    started = time.perf_counter()
    latencies, errors = run()
    elapsed = time.perf_counter() - started
    client_cpu, server_after = time.process_time() - client_before, server_cpu(server)
    used = None
    if server_before is not None and server_after is not None:
        used = server_after - server_before
    return Load(tuple(latencies), errors, elapsed, client_cpu, used)


# --- the lean client -------------------------------------------------------------------


def lean_load(base: str, server: list[int], path: str, params: Params, duration: float) -> Load:
    """``CONNECTIONS`` kept-alive connections, each sending ``GET path?params`` back to
    back for ``duration`` seconds; ``server``: the server's processes (for their CPU)."""
    where = urlsplit(base)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    target = f"{path}?{urlencode(params)}" if params else path
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode()

    def run() -> tuple[list[float], dict[str, int]]:
        deadline = time.perf_counter() + duration
        return asyncio.run(_lean(host, port, request, deadline))

    return _measured(server, run)


async def _lean(
    host: str, port: int, request: bytes, deadline: float
) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    in_flight = 0

    async def one_client() -> None:
        nonlocal in_flight
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            in_flight += 1
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                    sent = time.perf_counter()  # a connection, then the request
                writer.write(request)
                status = await asyncio.wait_for(_answer(reader), READ_TIMEOUT)
                problem = None if status == 200 else f"HTTP {status}"
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                problem = type(exc).__name__
                if writer is not None:
                    writer.close()
                reader = writer = None
            in_flight -= 1
            if problem is None:
                latencies.append(time.perf_counter() - sent)
            else:
                errors[problem] = errors.get(problem, 0) + 1
        if writer is not None:
            writer.close()

    try:
        async with asyncio.timeout_at(_loop_time(deadline + DRAIN_LIMIT)):
            await asyncio.gather(*(one_client() for _ in range(CONNECTIONS)))
    except TimeoutError:
        errors[f"unfinished {DRAIN_LIMIT:.0f} s after the end"] = in_flight
    return latencies, errors


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer to its last byte; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")  # the end of the (empty) trailer
    else:
        raise ValueError("an answer without a length")
    return status


# --- httpx, for long streams -----------------------------------------------------------


def httpx_load(base: str, server: list[int], path: str, params: Params, duration: float) -> Load:
    """``CONNECTIONS`` tasks sharing one ``httpx.AsyncClient``, each sending ``GET``
    back to back and reading the (streamed) body to its last byte."""

    def run() -> tuple[list[float], dict[str, int]]:
        deadline = time.perf_counter() + duration
        return asyncio.run(_hammer(base, path, params, deadline))

    return _measured(server, run)


async def _hammer(
    base: str, path: str, params: Params, deadline: float
) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    in_flight = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    timeout = httpx.Timeout(READ_TIMEOUT, pool=None)

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal in_flight
        while time.perf_counter() < deadline:
            in_flight += 1
            sent = time.perf_counter()
            try:
                async with client.stream("GET", path, params=params) as answer:
                    async for _ in answer.aiter_raw():
                        pass  # read to the last byte, keep nothing
                problem = None if answer.status_code == 200 else f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            in_flight -= 1
            if problem is None:
                latencies.append(time.perf_counter() - sent)
            else:
                errors[problem] = errors.get(problem, 0) + 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        try:
            async with asyncio.timeout_at(_loop_time(deadline + DRAIN_LIMIT)):
                await asyncio.gather(*(one_client(client) for _ in range(CONNECTIONS)))
        except TimeoutError:
            errors[f"unfinished {DRAIN_LIMIT:.0f} s after the end"] = in_flight
    return latencies, errors


def _loop_time(moment: float) -> float:
    """A ``perf_counter`` moment on the running loop's clock."""
    return asyncio.get_running_loop().time() + (moment - time.perf_counter())
