"""The monitor end to end: a real ``chronox-cli serve`` subprocess on loopback, the
monitor's window and controller offscreen on a qasync loop, bars stored by other
processes (``chronox-cli ingest``) and by the server's own jobs.

- after an ingest the chart shows the bars;
- a backfill of a gap selected on the ribbon: its bars arrive over the WebSocket;
- Cancel cancels a job;
- with Redis (bars from another process): an ingest arrives live, and the server
  killed and restarted is survived (the status says disconnected, then the feed
  reconnects and the bars stored meanwhile arrive)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_entrypoints.gui.controller import ChartChoice, MonitorController
from chronox_entrypoints.gui.presenters.bars import epoch_ns
from chronox_entrypoints.gui.window import MonitorWindow
from tests.gui.conftest import wait_for_job
from tests.served import free_port, wait_until_up

pytestmark = [pytest.mark.gui, pytest.mark.e2e]

MONDAY, TUESDAY, WEDNESDAY, FRIDAY = "2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29"
REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")


class Server:
    """``chronox-cli serve`` on a port of its own; stopped, and started again on it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until_up(self.process, self.url)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.communicate(timeout=30)
        self.process = None


def cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def environment(store: Path, **more: str) -> dict[str, str]:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{store}", "CHRONOX_SETTLE_MINUTES": "0"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_API_TOKEN"):
        env.pop(name, None)
    return {**env, **more}


class Monitor:
    """The window and its controller on a qasync loop. A scenario runs start to end in
    one ``run_until_complete``, as in the app: Qt must not dispatch the loop's socket
    events while asyncio does not consider it running."""

    def __init__(self, qtbot: QtBot, url: str, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.window = MonitorWindow()
        qtbot.addWidget(self.window)
        self.window.resize(1200, 800)
        choice = ChartChoice(("SPY",), "1m", "rth", date(2024, 11, 25), date(2024, 11, 29))
        config = ChronoxApiConfig(url, max_reconnects=None, reconnect_cap=0.5)
        self.controller = MonitorController(config, self.window, choice)
        self.window.show()

    def run(self, scenario: Callable[[], Awaitable[None]]) -> None:
        async def whole() -> None:
            await self.controller.start(background=True)
            try:
                await scenario()
            finally:
                await self.controller.close()

        self.loop.run_until_complete(whole())

    async def until(self, done: Callable[[], bool], seconds: float = 60) -> None:
        deadline = self.loop.time() + seconds
        while not done():
            assert self.loop.time() < deadline, "the monitor did not get there in time"
            await asyncio.sleep(0.05)

    def bars_in(self, day: str) -> int:
        chart = self.window.chart
        sessions = [s for s in chart.axis.sessions if s.date.isoformat() == day]
        if not sessions:
            return 0
        starts = chart.columns.start_ns
        lo, hi = epoch_ns(sessions[0].open), epoch_ns(sessions[0].close)
        return int(np.count_nonzero((starts >= lo) & (starts < hi)))


def stored(url: str, day: str) -> int:
    with ChronoxClient(ChronoxApiConfig(url)) as client:
        return len(client.bars("SPY", "1m", day, day, limit=5_000).bars)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    """``serve`` with the in-process bus, SPY ingested for Monday and Tuesday."""
    env = environment(tmp_path / "store.sqlite3")
    cli(env, "registry", "add", "SPY")
    cli(env, "ingest", "SPY", "--start", MONDAY, "--end", TUESDAY)
    server = Server(env)
    server.start()
    yield server, env
    server.kill()


@pytest.fixture
def monitor(
    qtbot: QtBot, served: tuple[Server, dict[str, str]], qt_loop: asyncio.AbstractEventLoop
) -> Monitor:
    return Monitor(qtbot, served[0].url, qt_loop)


def test_after_an_ingest_the_chart_shows_the_bars(
    monitor: Monitor, served: tuple[Server, dict[str, str]]
) -> None:
    url = served[0].url
    monday, tuesday = stored(url, MONDAY), stored(url, TUESDAY)

    async def scenario() -> None:
        chart = monitor.controller.chart
        await monitor.until(lambda: chart is not None and chart.fully_loaded)
        await monitor.until(lambda: monitor.bars_in(MONDAY) == monday)
        assert monitor.bars_in(TUESDAY) == tuesday > 380
        assert monitor.bars_in(WEDNESDAY) == 0
        assert monitor.window.status.health.text().startswith("API connected")

    monitor.run(scenario)


def test_a_selected_gap_is_backfilled_and_its_bars_arrive_live(
    qtbot: QtBot, monitor: Monitor, served: tuple[Server, dict[str, str]]
) -> None:
    async def scenario() -> None:
        coverage = monitor.controller.coverage
        assert coverage is not None
        (gap,) = [s for s in coverage.segments if s.kind == "gap" and s.start.day == 27]
        monitor.window.chart.rangeSelected.emit(gap.start, gap.end)  # a click on the ribbon
        assert monitor.window.backfill_button.isEnabled()
        qtbot.keyClick(monitor.window, Qt.Key.Key_B)
        await monitor.until(lambda: bool(monitor.window.jobs.rows))
        await monitor.until(lambda: monitor.window.jobs.rows[0].state == "succeeded")
        wednesday = await asyncio.to_thread(stored, served[0].url, WEDNESDAY)
        # The chart reads no bars from REST after a backfill: these came over /ws/bars.
        await monitor.until(lambda: monitor.bars_in(WEDNESDAY) == wednesday > 380)
        await monitor.until(
            lambda: coverage.at(gap.start) is not None and coverage.at(gap.start).kind == "final"
        )

    monitor.run(scenario)


def test_cancel_cancels_a_job(
    qtbot: QtBot, monitor: Monitor, served: tuple[Server, dict[str, str]]
) -> None:
    client = ChronoxClient(ChronoxApiConfig(served[0].url))
    (job,) = client.backfill(["SPY"], "2018-01-02", "2023-12-29")
    rows = monitor.window.jobs

    async def scenario() -> None:
        await monitor.until(lambda: any(r.id == job.id and r.cancellable for r in rows.rows))
        rows.select_job(job.id)
        qtbot.mouseClick(rows.cancel_button, Qt.MouseButton.LeftButton)
        await monitor.until(lambda: rows.rows[0].state == "cancelled")

    try:
        monitor.run(scenario)
        assert wait_for_job(client, job).state == "cancelled"
    finally:
        client.close()


@pytest.fixture
def redis_served(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    """``serve`` over Redis (a key prefix of its own), SPY ingested for Monday."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL}: {str(error).splitlines()[0]}")
    prefix = f"chronox-monitor-{uuid.uuid4().hex[:8]}:"
    env = environment(
        tmp_path / "store.sqlite3", CHRONOX_REDIS_URL=REDIS_URL, CHRONOX_REDIS_PREFIX=prefix
    )
    cli(env, "registry", "add", "SPY")
    cli(env, "ingest", "SPY", "--start", MONDAY, "--end", MONDAY)
    server = Server(env)
    server.start()
    yield server, env
    server.kill()
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_over_redis_an_ingest_elsewhere_arrives_and_a_restart_is_survived(
    qtbot: QtBot, redis_served: tuple[Server, dict[str, str]], qt_loop: asyncio.AbstractEventLoop
) -> None:
    server, env = redis_served
    monitor = Monitor(qtbot, server.url, qt_loop)
    health = monitor.window.status.health

    async def count(day: str) -> int:
        return await asyncio.to_thread(stored, server.url, day)

    async def scenario() -> None:
        monday = await count(MONDAY)
        await monitor.until(lambda: monitor.bars_in(MONDAY) == monday)
        await monitor.until(lambda: monitor.controller.live.running)
        await asyncio.to_thread(cli, env, "ingest", "SPY", "--start", TUESDAY, "--end", TUESDAY)
        tuesday = await count(TUESDAY)
        await monitor.until(lambda: monitor.bars_in(TUESDAY) == tuesday > 380)

        await asyncio.to_thread(server.kill)
        await monitor.until(lambda: health.text().startswith("API disconnected"))
        await asyncio.to_thread(cli, env, "ingest", "SPY", "--start", FRIDAY, "--end", FRIDAY)
        await asyncio.to_thread(server.start)
        await monitor.until(lambda: health.text().startswith("API connected"))
        friday = await count(FRIDAY)
        await monitor.until(lambda: monitor.bars_in(FRIDAY) == friday > 200)

    monitor.run(scenario)
