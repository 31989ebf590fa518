"""The API's live side: bars over WebSocket while ingests run, and /metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.websockets import WebSocketDisconnect

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub

KEY = "pk-api-SECRET-51c0de"


@pytest.fixture
def api(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as client:
        yield client


def backfill(api: TestClient, day: str) -> dict[str, Any]:
    """Backfill SPY for one session through the API's own job queue; the finished job."""
    api.post("/symbols", json={"symbol": "SPY"})
    (job,) = api.post("/backfill", json={"symbols": ["SPY"], "start": day, "end": day}).json()
    deadline = time.monotonic() + 30
    while (found := api.get(f"/jobs/{job['id']}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert found["state"] == "succeeded", found
    return found  # type: ignore[no-any-return]


def stored_starts(api: TestClient, day: str) -> list[str]:
    page = api.get("/bars/SPY", params={"start": day, "end": day, "limit": 5000}).json()
    return [bar["start"] for bar in page["bars"]]


def test_websocket_relays_the_bars_an_ingest_stores(api: TestClient) -> None:
    backfill(api, "2024-11-25")
    with api.websocket_connect("/ws/bars?symbols=SPY,QQQ&timeframe=1m&replay=2") as ws:
        # The replay arrives once the subscription is live: nothing published later is lost.
        replayed = [ws.receive_json()["start"] for _ in range(2)]
        assert replayed == stored_starts(api, "2024-11-25")[-2:]
        backfill(api, "2024-11-26")
        expected = stored_starts(api, "2024-11-26")
        frames = [ws.receive_json() for _ in expected]
    assert [frame["start"] for frame in frames] == expected
    assert {(f["symbol"], f["timeframe"], f["source"]) for f in frames} == {
        ("SPY", "1m", "synthetic")
    }
    assert all(f["provisional"] is False and f["high"] >= f["low"] for f in frames)


def test_websocket_relays_through_redis(cli: Cli, redis_env: str) -> None:
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        assert cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25").code == 0
        with api.websocket_connect("/ws/bars?symbols=SPY&replay=3") as ws:
            replayed = [ws.receive_json()["start"] for _ in range(3)]
            assert replayed == stored_starts(api, "2024-11-25")[-3:]
            # Another process's ingest (here the CLI, with its own container) publishes.
            assert cli("ingest", "SPY", "--start", "2024-11-26", "--end", "2024-11-26").code == 0
            expected = stored_starts(api, "2024-11-26")
            assert [ws.receive_json()["start"] for _ in expected] == expected


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid_input"),
        ("symbols=SPY;DROP", "invalid_symbol"),
        ("symbols=SPY&timeframe=2m", "invalid_timeframe"),
        ("symbols=SPY&replay=-1", "invalid_input"),
        ("symbols=SPY&replay=1000000", "invalid_input"),
    ],
)
def test_websocket_bad_input_is_an_error_frame_then_a_close(
    api: TestClient, query: str, code: str
) -> None:
    with api.websocket_connect(f"/ws/bars?{query}") as ws:
        assert ws.receive_json()["error"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1008


def test_websocket_reads_need_the_token_when_reads_are_guarded(cli: Cli) -> None:
    settings = Settings(store=cli.store, api_token="s3cret", api_auth_reads=True)
    with TestClient(create_app(Container(settings=settings))) as api:
        with api.websocket_connect("/ws/bars?symbols=SPY") as ws:
            assert ws.receive_json()["error"] == "unauthorized"
            with pytest.raises(WebSocketDisconnect):
                ws.receive_json()
        right = {"Authorization": "Bearer s3cret"}
        with api.websocket_connect("/ws/bars?symbols=SPY", headers=right) as ws:
            pass  # accepted and subscribed: leaving is the client's call


def samples(api: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = api.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_metrics_count_ingests_jobs_and_requests(api: TestClient) -> None:
    job = backfill(api, "2024-11-25")
    api.get("/bars/SPY", params={"start": "2024-11-25", "end": "2024-11-25"})
    api.get("/bars/NOPE;")
    found = samples(api)
    series = (("source", "synthetic"), ("timeframe", "1m"))
    assert found["chronox_bars_ingested_total", series] == job["counts"]["bars_written"] > 380
    assert found["chronox_bars_rejected_total", series] == 0
    assert found["chronox_gap_windows_closed_total", series] == 1
    assert found["chronox_jobs", (("state", "succeeded"),)] == 1
    assert found["chronox_jobs", (("state", "failed"),)] == 0
    route = (("method", "GET"), ("route", "/bars/{symbol}"), ("status", "200"))
    assert found["chronox_http_request_duration_seconds_count", route] == 1
    assert any(
        name == "chronox_http_request_duration_seconds_count" and dict(labels)["status"][0] == "4"
        for name, labels in found
    )


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


def test_metrics_count_vendor_requests_errors_and_retries_by_status(
    cli: Cli, stub: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    stub.faults.clear()
    stub.faults.rate_limit(1, retry_after=0)
    stub.faults.server_errors([503])
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        backfill(api, "2024-11-25")
        found = samples(api)
        for where in ("/metrics", "/info", "/health", "/jobs"):
            assert KEY not in api.get(where).text

    def count(kind: str, status: str) -> float:
        labels = (("source", "polygon"), ("status", status))
        return found.get((f"chronox_vendor_{kind}_total", labels), 0)

    by_status = {
        status: {kind: count(kind, status) for kind in ("requests", "errors", "retries")}
        for status in ("200", "429", "503")
    }
    assert by_status == {
        # One aggregates page and SPY's corporate actions synced before planning
        # (overview, events, splits, dividends: the faults armed above are the
        # aggregates' own, they never reach these). No split-invalidation lookup: bars
        # are stored as traded (issue 19).
        "200": {"requests": 1 + 4, "errors": 0, "retries": 0},
        "429": {"requests": 1, "errors": 1, "retries": 1},
        "503": {"requests": 1, "errors": 1, "retries": 1},
    }


def test_an_unreachable_redis_degrades_health_and_closes_the_feed_with_1011(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")  # nothing there
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        health = api.get("/health").json()
        with api.websocket_connect("/ws/bars?symbols=SPY") as ws:
            error = ws.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
    assert health["status"] == "degraded" and "unavailable" in health["events"]
    assert health["store"] == "ok" and "hunter2" not in str(health)
    assert error["error"] == "source_unavailable" and "hunter2" not in error["detail"]
    assert closed.value.code == 1011


def test_health_names_a_reachable_redis(cli: Cli, redis_env: str) -> None:
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        health = api.get("/health").json()
    assert health["status"] == "ok" and health["events"].startswith("redis at 127.0.0.1:6379: ok")
