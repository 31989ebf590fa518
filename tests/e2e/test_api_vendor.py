"""The API shows what the vendor's answers proved: unconfirmed empty windows apart from
holes and gaps, and the ledger's statuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.e2e.test_api_live import backfill
from tests.polygon_stub import PolygonStub

KEY = "pk-api-vendor-SECRET-91c2"
DAY = "2024-11-26"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


def test_an_empty_answer_is_unconfirmed_apart_from_gaps_and_holes(
    cli: Cli, stub: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    stub.faults.clear()
    stub.faults.null_results(1)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        job = backfill(api, DAY)
        assert job["counts"]["windows_unconfirmed"] == 1 and job["counts"]["bars_written"] == 0
        window = {"start": DAY, "end": DAY}
        assert api.get("/gaps/SPY", params=window).json() == []
        (listed,) = api.get("/gaps/SPY", params={**window, "holes": "true"}).json()
        assert listed["kind"] == "unconfirmed" and listed["bars"] == 390
        (span,) = api.get("/coverage/SPY").json()
        assert span["status"] == "unconfirmed" and span["answered_at"] is not None
