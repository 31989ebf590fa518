"""Every answer of ``GET /bars`` streams in bounded memory, whatever its format: a long
range costs the server one chunk of bars at a time, not the range.

The app is called in-process as an ASGI app whose ``send`` drops each piece of the body
as it comes (a test client would keep the whole body, which is the client's memory,
not the server's), and Python's allocations are traced meanwhile."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import date
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

#: Six months of regular-hours minute bars, some 49,000: read whole, 18 MB of Python
#: objects for a Parquet answer, 70 MB for a JSON page of 50,000 (before they streamed).
FIRST, LAST = date(2024, 1, 2), date(2024, 6, 28)
#: What one answer may allocate at its peak: a few chunks of bars, whatever the range.
BOUND = 12_000_000
QUERIES = (
    "format=parquet",
    "format=parquet&timeframe=5m",  # rolled up from the 1m bars
    "format=csv",
    "format=json&limit=50000",
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = f"sqlite:///{tmp_path_factory.mktemp('memory') / 'store.sqlite3'}"
    container = Container(settings=Settings(store=store, redis_url=""))
    container.ingestion().ingest(IngestRequest(("SPY",), start=FIRST, end=LAST))
    with TestClient(create_app(container)) as client:
        for query in QUERIES:  # imports (pyarrow, pandas) are not the answer's memory
            assert client.get(f"/bars/SPY?start={LAST}&end={LAST}&{query}").status_code == 200
        yield client


def peak_while_answering(api: TestClient, query: str) -> tuple[int, int, int]:
    """The status, the body's length and the peak of Python allocations (bytes, above
    what was held before) while the app answers ``GET /bars/SPY?query``."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/bars/SPY", "raw_path": b"/bars/SPY", "root_path": "",
        "query_string": query.encode(), "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    answer = {"status": 0, "length": 0}
    requested, finished = False, anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # the client stays until the whole body has come
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["length"] += len(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert api.portal is not None
        api.portal.call(api.app, scope, receive, send)
        peak = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    return answer["status"], answer["length"], peak


@pytest.mark.parametrize("query", QUERIES)
def test_a_long_range_is_answered_in_bounded_memory(api: TestClient, query: str) -> None:
    status, length, peak = peak_while_answering(api, f"start={FIRST}&end={LAST}&{query}")
    assert status == 200 and length > 300_000
    assert peak < BOUND, f"{query}: {peak / 1e6:.1f} MB at the peak"
