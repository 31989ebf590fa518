"""A CSV stream's chunked reads (no connection held while the client reads), and CORS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from dependency_injector import providers
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from chronox_domain import Timeframe
from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.api import create_app
from chronox_entrypoints.api.routes import bars as bars_route
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from chronox_entrypoints.stores import open_store
from tests.e2e.conftest import Cli

FIRST, LAST = date(2024, 11, 25), date(2024, 11, 26)


def test_a_paused_csv_stream_holds_no_connection_and_loses_no_bar(cli: Cli) -> None:
    # More bars than one chunk of the stream: enough RTH sessions for two reads and more.
    first = LAST - timedelta(days=7 * (bars_route.CHUNK // (5 * 390) + 1))
    # One pooled connection (PostgreSQL): a reader paused mid-stream must not hold it.
    container = Container(settings=Settings(store=cli.store, pg_pool_size=1))
    try:
        container.ingestion().ingest(IngestRequest(("SPY",), start=first, end=LAST))
        service = container.bars()
        stored = [bar.start for bar in service.bars("SPY", Timeframe.M1, first, LAST)]
        asked = bars_route.BarsAsked(
            "SPY", start=first.isoformat(), end=LAST.isoformat(), format="csv"
        )
        response = bars_route.answer(service, asked)
        assert isinstance(response, StreamingResponse)

        async def read() -> list[str]:
            chunks = response.body_iterator
            head = str(await anext(chunks))
            assert len(head.splitlines()) == 1 + bars_route.CHUNK  # the header and one chunk
            # While the client digests that chunk, the store serves others at once.
            assert container.repository().counts()
            return (head + "".join([str(chunk) async for chunk in chunks])).splitlines()

        lines = asyncio.run(read())
    finally:
        container.shutdown_resources()
    assert len(stored) > bars_route.CHUNK
    starts = [line.split(",")[2] for line in lines[1:]]
    assert len(starts) == len(stored) and len(set(starts)) == len(starts)  # no seam twice


@pytest.mark.parametrize("origins", ["", "https://desk.example.com"])
def test_cors_is_off_unless_configured(cli: Cli, origins: str) -> None:
    settings = Settings(store=cli.store, api_cors_origins=origins)
    with TestClient(create_app(Container(settings=settings))) as api:
        asked = api.options(
            "/symbols",
            headers={
                "Origin": "https://desk.example.com",
                "Access-Control-Request-Method": "GET",
            },
        )
        plain = api.get("/symbols", headers={"Origin": "https://evil.example.com"})
    allowed = asked.headers.get("access-control-allow-origin")
    assert allowed == (origins or None)
    assert "access-control-allow-origin" not in plain.headers  # never a stranger


def test_a_cold_burst_of_requests_opens_one_store(cli: Cli) -> None:
    """Without the app's warm-up (no lifespan here), 16 first requests at once still share
    one store: opening it is serialised, not raced."""
    container = Container(settings=Settings(store=cli.store))
    api = TestClient(create_app(container))  # not entered: the lifespan does not run
    opened: list[object] = []

    def counting(settings: Settings) -> Iterator[object]:
        opened.append(settings)
        yield from open_store(settings)

    container.store.override(providers.Resource(counting, settings=container.settings))
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: api.get("/bars/SPY").status_code, range(16)))
    finally:
        container.shutdown_resources()
    assert answers == [200] * 16 and len(opened) == 1
