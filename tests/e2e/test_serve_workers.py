"""``chronox-cli serve --workers N`` as a user runs it: N worker processes behind one
socket over one SQLite file and Redis, every request answered (reads and concurrent
writes, whichever worker takes them), and a clean stop on SIGINT and SIGTERM with the
workers gone. A deployment whose workers would share nothing is refused in one line."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.served import free_port, wait_until_up

DAY = "2024-11-25"
SYMBOLS = [f"S{i:02d}" for i in range(24)]


def environment(store: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHRONOX_")}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY"):
        env.pop(name, None)
    return env | {"CHRONOX_STORE": store}


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def spawned_workers(parent: int) -> list[int]:
    """The worker processes uvicorn spawned for ``parent`` (multiprocessing's children
    that run ``spawn_main``; its resource tracker is left out)."""
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Served:
    base: str
    server: subprocess.Popen[str]
    workers: list[int]


@pytest.fixture
def served(tmp_path: Path, redis_env: str) -> Iterator[Served]:
    """``serve --workers 2`` over a SQLite file that holds one session of SPY."""
    store = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    env = environment(store) | {
        "CHRONOX_REDIS_URL": os.environ["CHRONOX_REDIS_URL"],
        "CHRONOX_REDIS_PREFIX": redis_env,
    }
    ingested = cli("ingest", "SPY", "--start", DAY, "--end", DAY, env=env)
    assert ingested.returncode == 0, ingested.stderr
    port = free_port()
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port",
               str(port), "--workers", "2"]  # fmt: skip
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, base, seconds=60)
        deadline = time.monotonic() + 30
        while len(workers := spawned_workers(server.pid)) < 2:  # both up, not only the first
            assert time.monotonic() < deadline, workers
            time.sleep(0.1)
        yield Served(base, server, workers)
    finally:
        stop(server)


def stop(server: subprocess.Popen[str]) -> None:
    """SIGTERM, which stops the workers too; SIGKILL for the ones left after 30 s (a
    killed parent would leave its workers running)."""
    workers = spawned_workers(server.pid)
    if server.poll() is None:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate(timeout=30)
    for pid in workers:
        with contextlib.suppress(OSError):  # gone already, as it should be
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)


def test_two_workers_answer_every_request(served: Served) -> None:
    assert len(served.workers) == 2 and served.server.pid not in served.workers
    before = {pid: cpu_seconds(pid) for pid in served.workers}

    def read(_: int) -> tuple[int, bytes]:
        # A connection per request: the kernel hands each to whichever worker accepts.
        with httpx.Client(base_url=served.base, timeout=30) as client:
            answer = client.get("/bars/SPY", params={"start": DAY, "end": DAY})
            return answer.status_code, answer.content

    def register(symbol: str) -> int:
        with httpx.Client(base_url=served.base, timeout=30) as client:
            return client.post("/symbols", json={"symbol": symbol}).status_code

    with ThreadPoolExecutor(8) as pool:
        reads = list(pool.map(read, range(160)))
        written = list(pool.map(register, SYMBOLS))  # concurrent writes to one SQLite file
    assert {status for status, _ in reads} == {200}
    assert len({body for _, body in reads}) == 1  # the same page, whichever worker sent it
    assert len(httpx.Response(200, content=reads[0][1]).json()["bars"]) == 388  # the session
    assert written == [201] * len(SYMBOLS)
    listed = httpx.get(f"{served.base}/symbols", params={"limit": 100}).json()["symbols"]
    assert {entry["symbol"] for entry in listed} == set(SYMBOLS)
    # Both processes did the work: each used CPU time for its share of the requests.
    used = {pid: cpu_seconds(pid) - before[pid] for pid in served.workers}
    assert all(seconds > 0.05 for seconds in used.values()), used
    assert spawned_workers(served.server.pid) == served.workers  # none died


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_workers_and_the_server_cleanly(
    served: Served, stop: signal.Signals
) -> None:
    served.server.send_signal(stop)
    _, err = served.server.communicate(timeout=60)
    assert served.server.returncode in (0, -stop), err
    assert "Traceback" not in err, err
    # Each worker shut its app down (the lifespan closed the container), then exited.
    assert err.count("Finished server process") == 2, err
    assert not any(Path(f"/proc/{pid}").exists() for pid in served.workers)


@pytest.mark.parametrize(
    ("store", "redis", "why"),
    [
        ("memory://", True, "a memory:// store is one per process"),
        (None, False, "needs CHRONOX_REDIS_URL"),
    ],
    ids=["memory-store", "no-redis"],
)
def test_workers_that_would_share_nothing_are_refused(
    tmp_path: Path, store: str | None, redis: bool, why: str
) -> None:
    env = environment(store or f"sqlite:///{tmp_path / 'api.sqlite3'}")
    if redis:
        env["CHRONOX_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    done = cli("serve", "--port", str(free_port()), "--workers", "2", env=env)
    assert done.returncode == 2 and why in done.stderr, done.stderr
    assert done.stderr.startswith("error: --workers 2 needs") and done.stderr.count("\n") == 1
