"""The REST API through FastAPI's TestClient, on SQLite and PostgreSQL stores."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli


@pytest.fixture
def api(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as client:
        yield client


def ingest(api: TestClient) -> None:
    assert api.post("/symbols", json={"symbol": "spy"}).status_code == 201
    (job,) = api.post("/backfill", json={"start": "2024-11-25", "end": "2024-11-26"}).json()
    deadline = time.monotonic() + 30
    while api.get(f"/jobs/{job['id']}").json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert api.get(f"/jobs/{job['id']}").json()["state"] == "succeeded"


def test_health_and_info(api: TestClient) -> None:
    assert api.get("/health").json()["status"] == "ok"
    info = api.get("/info").json()
    assert info["source"] == "synthetic" and info["demo"] is True


def test_symbols_crud(api: TestClient) -> None:
    assert api.post("/symbols", json={"symbol": "qqq", "timeframes": ["1m", "1d"]}).json() == {
        "symbol": "QQQ", "timeframes": ["1m", "1d"], "session": "rth", "active": True,
        "follow_renames": True,
    }  # fmt: skip
    assert [s["symbol"] for s in api.get("/symbols").json()["symbols"]] == ["QQQ"]
    assert api.get("/symbols/QQQ").status_code == 200
    assert api.delete("/symbols/QQQ").status_code == 204
    missing = api.get("/symbols/QQQ")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_backfill_job_then_bars_gaps_and_coverage(api: TestClient) -> None:
    ingest(api)
    first = api.get("/bars/SPY", params={"start": "2024-11-25", "end": "2024-11-26", "limit": 500})
    page = first.json()
    assert len(page["bars"]) == 500 and page["next_cursor"]
    rest = api.get("/bars/SPY", params={"end": "2024-11-26", "cursor": page["next_cursor"],
                                        "limit": 5000}).json()  # fmt: skip
    starts = [b["start"] for b in page["bars"] + rest["bars"]]
    assert rest["next_cursor"] is None and starts == sorted(set(starts)) and len(starts) > 770
    csv = api.get("/bars/SPY", params={"start": "2024-11-25", "end": "2024-11-26", "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.splitlines()) == 1 + len(starts)
    gaps = api.get("/gaps/SPY", params={"start": "2024-11-25", "end": "2024-11-27"}).json()
    assert [(g["start"], g["bars"]) for g in gaps] == [("2024-11-27T14:30:00Z", 390)]
    assert len(api.get("/coverage/SPY").json()) == 2


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/bars/SPY;DROP", {}, 422, "invalid_request"),
        ("/bars/SPY", {"start": "2024-12-03", "end": "2024-11-25"}, 400, "invalid_range"),
        ("/bars/SPY", {"start": "yesterday"}, 422, "invalid_request"),
        ("/bars/SPY", {"start": "2024-02-30"}, 400, "invalid_range"),
        ("/bars/SPY", {"end": "9999-12-31"}, 400, "invalid_range"),
        ("/gaps/SPY", {"start": "0001-01-01T00:00:00+14:00"}, 400, "invalid_range"),
        ("/gaps/SPY", {"timeframe": "2m"}, 422, "invalid_request"),
        ("/jobs/nope", {}, 404, "not_found"),
        ("/nowhere", {}, 404, "not_found"),
    ],
)
def test_bad_input_is_a_4xx_with_a_json_body(
    api: TestClient, path: str, params: dict[str, str], status: int, code: str
) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == status
    assert answer.json()["error"] == code and answer.json()["detail"]


def test_a_token_guards_mutations(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(store=cli.store, api_token="s3cret")
    with TestClient(create_app(Container(settings=settings))) as api:
        assert api.post("/symbols", json={"symbol": "SPY"}).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert api.post("/symbols", json={"symbol": "SPY"}, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert api.post("/symbols", json={"symbol": "SPY"}, headers=right).status_code == 201
        assert "s3cret" not in api.get("/info", headers=right).text


#: Every read route (each path one that exists once SPY is registered).
GUARDED_READS = (
    "/health", "/info", "/metrics", "/symbols", "/symbols/SPY", "/bars/SPY", "/bars/SPY?format=csv",
    "/gaps/SPY", "/coverage/SPY", "/coverage/SPY/summary", "/sessions", "/jobs",
)  # fmt: skip


def test_with_a_token_reads_need_it_by_default(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHRONOX_API_AUTH_READS", raising=False)
    settings = Settings(store=cli.store, api_token="s3cret")
    right = {"Authorization": "Bearer s3cret"}
    with TestClient(create_app(Container(settings=settings))) as api:
        assert api.post("/symbols", json={"symbol": "SPY"}, headers=right).status_code == 201
        for path in GUARDED_READS:
            refused = api.get(path)
            assert refused.status_code == 401 and refused.json()["error"] == "unauthorized", path
            assert api.get(path, headers=right).status_code == 200, path
        # The docs describe the API and hold no data: they stay open.
        assert api.get("/openapi.json").status_code == 200


def test_reads_can_be_opened_explicitly(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONOX_API_AUTH_READS", "false")
    settings = Settings(store=cli.store, api_token="s3cret")
    with TestClient(create_app(Container(settings=settings))) as api:
        assert api.get("/symbols").status_code == 200
        assert api.post("/symbols", json={"symbol": "SPY"}).status_code == 401


def test_a_backfill_of_an_unregistered_symbol_is_refused_before_anything_is_queued(
    api: TestClient,
) -> None:
    assert api.post("/symbols", json={"symbol": "SPY"}).status_code == 201
    answer = api.post("/backfill", json={"symbols": ["SPY", "zzzz"], "start": "2024-11-25"})
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert "ZZZZ is not in the registry" in answer.json()["detail"]
    assert 'POST /symbols {"symbol": "ZZZZ"}' in answer.json()["detail"]
    assert api.get("/jobs").json()["jobs"] == []  # not even SPY's


def test_a_wrong_method_names_every_method_of_the_path(api: TestClient) -> None:
    answer = api.put("/symbols")
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, POST, PATCH"
    assert answer.json()["error"] == "method_not_allowed"
