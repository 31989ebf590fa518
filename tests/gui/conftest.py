"""What the monitor's tests share: a real ``create_app`` on SQLite, served by uvicorn on
loopback, holding synthetic bars with a gap, and clients of it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_presentation import JobOut
from tests.integration.test_api_client import Served

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Thanksgiving week 2024: Monday and Tuesday stored, Wednesday a gap, Thursday a
#: holiday, Friday an early close (13:00) stored.
MONDAY, TUESDAY, WEDNESDAY, FRIDAY = "2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29"
FULL_SESSION, EARLY_SESSION = 390, 210
TOKEN = "tok-MONITOR-SECRET-11"


def wait_for_job(client: ChronoxClient, job: JobOut, seconds: float = 60) -> JobOut:
    deadline = time.monotonic() + seconds
    while (found := client.job(job.id)).state in ("queued", "running"):
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    return found


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """SPY stored for Monday, Tuesday and Friday; AAPL registered, never fetched."""
    server = Served(tmp_path_factory.mktemp("monitor") / "api.sqlite3", api_token=None)
    with ChronoxClient(ChronoxApiConfig(server.url)) as client:
        client.add_symbol("SPY")
        client.add_symbol("AAPL")
        for start, end in ((MONDAY, TUESDAY), (FRIDAY, FRIDAY)):
            (job,) = client.backfill(["SPY"], start, end)
            assert wait_for_job(client, job).state == "succeeded"
    yield server
    server.stop()


@pytest.fixture
def client(api: Served) -> Iterator[ChronoxClient]:
    with ChronoxClient(ChronoxApiConfig(api.url)) as found:
        yield found


@pytest.fixture(scope="session")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server whose every route needs TOKEN (reads are guarded by default)."""
    server = Served(tmp_path_factory.mktemp("guarded") / "api.sqlite3", api_token=TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def qt_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the whole session, as the app has one per process: a loop
    closed after each test leaves Qt socket notifiers and timers behind that fire into
    freed objects later."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()  # joins its worker threads: Qt aborts on a QThread alive at exit
    asyncio.set_event_loop(None)
