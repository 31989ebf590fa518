"""The vendor key never travels in error text, even when the vendor (or a proxy before
it) echoes the request headers back: CLI lines, logs, job errors and API answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub

KEY = "pk-echoed-SECRET-4d1f9e7a"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> PolygonStub:
    stub.faults.clear()
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "1")
    monkeypatch.setenv("CHRONOX_LOG_LEVEL", "DEBUG")
    return stub


@pytest.mark.parametrize("status", [400, 403, 502])
def test_an_echoed_key_is_not_in_the_cli_output_or_logs(
    cli: Cli, vendor: PolygonStub, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    vendor.faults.echo_headers(3, status=status)
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25", "--json")
    assert result.code == 3
    said = result.out + result.err + caplog.text
    assert str(status) in said
    assert KEY not in said and "Bearer pk-" not in said


def test_an_echoed_key_is_not_in_a_jobs_error(cli: Cli, vendor: PolygonStub) -> None:
    vendor.faults.echo_headers(3, status=400)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        api.post("/symbols", json={"symbol": "SPY"})
        (job,) = api.post("/backfill", json={"start": "2024-11-25", "end": "2024-11-25"}).json()
        deadline = time.monotonic() + 30
        while (found := api.get(f"/jobs/{job['id']}").json())["state"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert found["state"] == "failed" and "400" in found["error"], found
        for where in (f"/jobs/{job['id']}", "/jobs", "/metrics", "/info", "/health"):
            assert KEY not in api.get(where).text
