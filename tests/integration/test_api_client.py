"""The typed Python client (``chronox_adapters.chronox_api``) against a real
``create_app`` served by a real uvicorn on loopback, on SQLite: every method, paging to
the end, errors mapped back into the ``ChronoxError`` hierarchy, and live bars."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import (
    ChronoxError,
    InvalidInput,
    InvalidRange,
    NotFound,
    NotRegistered,
    SourceUnavailable,
    Unauthorized,
)
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_presentation import JobOut
from tests.conftest import hermetic_settings
from tests.served import free_port

pytestmark = pytest.mark.integration

TOKEN = "tok-CLIENT-SECRET-7e11"
DAY = "2024-11-25"


class Served:
    """``create_app`` over SQLite, served by uvicorn in a thread of this process."""

    def __init__(self, store: Path, port: int | None = None, **settings: Any) -> None:
        container = Container(
            settings=hermetic_settings(store=f"sqlite:///{store}", settle_minutes=0, **settings)
        )
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(container), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("client") / "api.sqlite3", api_token=None)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with a token that guards reads too."""
    server = Served(
        tmp_path_factory.mktemp("guarded") / "api.sqlite3", api_token=TOKEN, api_auth_reads=True
    )
    yield server
    server.stop()


@pytest.fixture
def client(served: Served) -> Iterator[ChronoxClient]:
    with ChronoxClient(ChronoxApiConfig(served.url)) as found:
        yield found


def finished(client: ChronoxClient, job: JobOut) -> JobOut:
    deadline = time.monotonic() + 30
    while (found := client.job(job.id)).state in ("queued", "running"):
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    return found


@pytest.fixture(scope="module")
def backfilled(served: Served) -> str:
    """SPY backfilled for one session through the API's own job queue."""
    with ChronoxClient(ChronoxApiConfig(served.url)) as client:
        client.add_symbol("SPY")
        (job,) = client.backfill(["SPY"], DAY, DAY)
        assert finished(client, job).state == "succeeded"
    return "SPY"


def test_every_read_method_answers_with_the_api_models(
    client: ChronoxClient, backfilled: str
) -> None:
    health = client.health()
    assert health.status == "ok" and health.vendor.startswith("synthetic")
    info = client.info()
    assert info.store.startswith("sqlite") and info.demo and info.counts["bars"] > 380
    assert "chronox_bars_ingested" in client.metrics()

    assert client.symbol("SPY").timeframes == ["1m"]
    assert [entry.symbol for entry in client.symbols().symbols] == ["SPY"]

    page = client.bars("SPY", "1m", DAY, DAY, limit=5000)
    assert len(page.bars) > 380 and page.next_cursor is None  # synthetic: a few holes
    assert page.bars[0].start.isoformat() == "2024-11-25T14:30:00+00:00"
    hourly = client.bars("SPY", "1h", DAY, DAY)
    assert hourly.derived_from == "1m" and len(hourly.bars) == 7

    csv = "".join(client.bars_csv("SPY", "1m", DAY, DAY))
    lines = csv.strip().splitlines()
    assert "start" in lines[0] and len(lines) == len(page.bars) + 1

    holes = client.gaps("SPY", "1m", DAY, DAY, holes=True)
    assert {gap.kind for gap in holes} == {"hole"}
    assert sum(gap.bars for gap in holes) == 390 - len(page.bars)
    assert client.gaps("SPY", "1m", DAY, DAY) == []
    assert [gap.kind for gap in client.gaps("SPY", "1m", DAY, "2024-11-26")] == ["gap"]
    (span,) = client.coverage("SPY")
    assert span.status == "final" and span.source == "synthetic"

    jobs = client.jobs()
    assert [job.state for job in jobs.jobs] == ["succeeded"] and jobs.next_cursor is None


def test_sessions_with_their_early_closes(client: ChronoxClient) -> None:
    week = client.sessions("2024-11-25", "2024-11-29")
    # Thanksgiving (Thursday) is closed; Friday closes at 13:00 New York.
    assert [s.date.isoformat() for s in week] == [
        "2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29"
    ]  # fmt: skip
    assert [s.early_close for s in week] == [False, False, False, True]
    assert week[-1].close.isoformat() == "2024-11-29T18:00:00+00:00"
    (extended,) = client.sessions(date(2024, 11, 25), date(2024, 11, 25), session="eth")
    assert extended.open.isoformat() == "2024-11-25T09:00:00+00:00"


def test_paging_to_the_end(client: ChronoxClient, backfilled: str) -> None:
    added = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    for symbol in added:
        client.add_symbol(symbol, ["1m", "5m"], "eth", active=False)
    first = client.symbols(limit=2)
    assert len(first.symbols) == 2 and first.next_cursor is not None
    assert [entry.symbol for entry in client.all_symbols(limit=2)] == [*added, "SPY"]
    assert [entry.symbol for entry in client.all_symbols(active=True)] == ["SPY"]

    pages = list(client.bar_pages("SPY", "1m", DAY, DAY, limit=100))
    whole = client.bars("SPY", "1m", DAY, DAY, limit=5000).bars
    assert [len(page.bars) for page in pages] == [100, 100, 100, len(whole) - 300]
    assert [bar.start for page in pages for bar in page.bars] == [bar.start for bar in whole]

    for symbol in added:
        client.remove_symbol(symbol)
    assert [entry.symbol for entry in client.all_symbols()] == ["SPY"]


def test_jobs_are_queued_listed_and_cancelled(client: ChronoxClient, backfilled: str) -> None:
    queued = client.backfill(["SPY"], "2024-11-26", "2024-11-26")
    listed = list(client.all_jobs(limit=1))
    assert listed[0].id == queued[0].id and len(listed) >= 2
    cancelled = client.cancel_job(queued[0].id)
    assert cancelled.id == queued[0].id
    assert finished(client, cancelled).state in ("cancelled", "succeeded")


def test_answers_map_back_into_the_error_hierarchy(client: ChronoxClient) -> None:
    with pytest.raises(NotRegistered) as missing:
        client.symbol("ZZZ")
    assert missing.value.symbol == "ZZZ"
    with pytest.raises(NotFound):
        client.job("no-such-job")
    with pytest.raises(InvalidRange):  # 400 invalid_range
        client.sessions("2024-11-29", "2024-11-25")
    with pytest.raises(InvalidInput):  # 422: a limit past the schema's
        client.bars("SPY", limit=0)
    with pytest.raises(InvalidInput):  # 400 from a CSV stream, before any row
        list(client.bars_csv("SPY", start="2024-11-29", end="2024-11-25"))


def test_a_token_is_sent_and_never_shown(guarded: Served) -> None:
    anonymous = ChronoxClient(ChronoxApiConfig(guarded.url))
    with anonymous, pytest.raises(Unauthorized) as refused:
        anonymous.health()
    wrong = ChronoxClient(ChronoxApiConfig(guarded.url, token="wrong-" + TOKEN))
    with wrong, pytest.raises(Unauthorized) as wrong_token:
        wrong.add_symbol("SPY")
    config = ChronoxApiConfig(guarded.url, token=TOKEN)
    with ChronoxClient(config) as client:
        assert client.health().status == "ok"
        assert client.add_symbol("QQQ").symbol == "QQQ"
        texts = [repr(config), str(config), repr(client)]
    texts += [str(refused.value), str(wrong_token.value)]
    assert all(TOKEN not in text for text in texts), texts
    assert "token=set" in repr(config)


def test_a_server_that_is_gone_is_one_line_without_the_token() -> None:
    config = ChronoxApiConfig(f"http://127.0.0.1:{free_port()}", token=TOKEN, connect_timeout=2)
    with ChronoxClient(config) as client, pytest.raises(SourceUnavailable) as gone:
        client.health()
    text = str(gone.value)
    assert len(text.splitlines()) == 1 and "unreachable" in text and TOKEN not in text
    assert gone.value.__cause__ is None and gone.value.__suppress_context__


def test_live_bars_arrive_during_a_backfill(client: ChronoxClient, backfilled: str) -> None:
    day = "2024-11-27"

    async def scenario() -> tuple[list[str], list[str]]:
        stream = client.subscribe(["SPY"], "1m", replay=1)
        async with asyncio.timeout(30):
            # The replayed bar arrives once the subscription is live.
            replayed = await anext(stream)
            assert replayed.symbol == "SPY" and replayed.timeframe == "1m"
            (job,) = await asyncio.to_thread(client.backfill, ["SPY"], day, day)
            assert (await asyncio.to_thread(finished, client, job)).state == "succeeded"
            stored = client.bars("SPY", "1m", day, day, limit=5000).bars
            received = []
            async for bar in stream:
                received.append(bar.start.isoformat())
                if len(received) == len(stored):
                    break
            await stream.aclose()
        return received, [bar.start.isoformat() for bar in stored]

    received, stored = asyncio.run(scenario())
    assert received == stored


def test_live_bars_refuse_bad_input_at_once(client: ChronoxClient) -> None:
    async def scenario() -> None:
        async with asyncio.timeout(10):
            async for _ in client.subscribe(["SPY"], "2m"):
                pass

    with pytest.raises(ChronoxError) as refused:
        asyncio.run(scenario())
    assert isinstance(refused.value, InvalidInput)


def test_live_bars_survive_a_server_restart(tmp_path: Path) -> None:
    store = tmp_path / "api.sqlite3"
    first = Served(store, api_token=None)
    config = ChronoxApiConfig(first.url, reconnect_base=0.05, reconnect_cap=0.2)

    async def scenario() -> tuple[list[str], list[str]]:
        with ChronoxClient(config) as client:
            client.add_symbol("SPY")
            stream = client.subscribe(["SPY"])
            async with asyncio.timeout(30):
                waiting = asyncio.ensure_future(anext(stream))
                await asyncio.sleep(0.3)  # connected, nothing to relay yet
                await asyncio.to_thread(first.stop)
                second = await asyncio.to_thread(Served, store, first.port, api_token=None)
                try:
                    await asyncio.sleep(0.5)  # reconnected
                    (job,) = await asyncio.to_thread(client.backfill, ["SPY"], DAY, DAY)
                    assert (await asyncio.to_thread(finished, client, job)).state == "succeeded"
                    stored = client.bars("SPY", "1m", DAY, DAY, limit=5000).bars
                    received = [(await waiting).start.isoformat()]
                    while len(received) < len(stored):
                        received.append((await anext(stream)).start.isoformat())
                    await stream.aclose()
                finally:
                    await asyncio.to_thread(second.stop)
        return received, [bar.start.isoformat() for bar in stored]

    received, stored = asyncio.run(scenario())
    assert received == stored


def test_a_server_that_does_not_answer_times_out_in_one_line() -> None:
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        config = ChronoxApiConfig(url, token=TOKEN, read_timeout=0.3)
        with ChronoxClient(config) as client, pytest.raises(SourceUnavailable) as slow:
            client.info()
    text = str(slow.value)
    assert len(text.splitlines()) == 1 and "did not answer in time" in text
    assert TOKEN not in text
