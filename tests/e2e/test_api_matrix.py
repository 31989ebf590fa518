"""``GET /coverage/matrix`` through FastAPI's TestClient, on SQLite and PostgreSQL: the
registry x sessions as the dashboard reads it, each cell what the per-symbol routes
(``/gaps?holes=true``, ``/coverage/{symbol}/summary``) say of that session."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli

DAYS = ["2024-11-22", "2024-11-25", "2024-11-26", "2024-11-27"]
STATES = ["final", "provisional", "unconfirmed", "hole", "gap", "unlisted", "empty", "pending"]


@pytest.fixture
def api(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as client:
        yield client


def backfilled(api: TestClient) -> None:
    """SPY and QQQ registered for 1m (QQQ never fetched), DIA for 1d only; SPY's 25th and
    26th backfilled from the synthetic source."""
    for symbol, timeframes in (("spy", ["1m"]), ("qqq", ["1m"]), ("dia", ["1d"])):
        body = {"symbol": symbol, "timeframes": timeframes}
        assert api.post("/symbols", json=body).status_code == 201
    (job,) = api.post(
        "/backfill", json={"symbols": ["SPY"], "start": DAYS[1], "end": DAYS[2]}
    ).json()
    deadline = time.monotonic() + 30
    while api.get(f"/jobs/{job['id']}").json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert api.get(f"/jobs/{job['id']}").json()["state"] == "succeeded"


def test_the_matrix_says_what_each_symbols_routes_say(api: TestClient) -> None:
    backfilled(api)
    answer = api.get(f"/coverage/matrix?timeframe=1m&start={DAYS[0]}&end={DAYS[-1]}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"timeframe", "session", "days", "states", "rows", "demo"}
    assert (body["timeframe"], body["session"], body["days"]) == ("1m", "rth", DAYS)
    assert body["states"] == STATES and body["demo"] is True
    assert [row["symbol"] for row in body["rows"]] == ["QQQ", "SPY"]
    qqq, spy = body["rows"]
    owed = 4 * 390  # four full sessions of 1m, all ended
    assert qqq == {
        "symbol": "QQQ",
        "codes": "4444",
        "percent": [0] * 4,
        "complete": 0.0,
        "covered": 0,
        "owed": owed,
    }
    for day, code, percent in zip(DAYS, spy["codes"], spy["percent"], strict=True):
        asked = {"start": day, "end": day}
        holes = api.get("/gaps/SPY", params={**asked, "holes": "true"}).json()
        kinds = {gap["kind"] for gap in holes}
        summary = api.get("/coverage/SPY/summary", params=asked).json()
        state = "gap" if "gap" in kinds else "hole" if "hole" in kinds else "final"
        assert STATES[int(code)] == state, day
        assert percent == math.floor(summary["percent"]), day
    assert spy["codes"][0] == spy["codes"][3] == "4"  # never fetched
    assert spy["complete"] == 50.0  # two sessions of four, wholly covered
    # A row's counts are the summary's over the same sessions, exactly.
    whole = api.get("/coverage/SPY/summary", params={"start": DAYS[0], "end": DAYS[-1]}).json()
    assert (spy["covered"], spy["owed"]) == (whole["final"] + whole["provisional"], owed)
    assert whole["expected"] == owed and whole["percent"] == 100 * spy["covered"] / owed
    bare = api.get(f"/coverage/matrix?timeframe=1m&start={DAYS[0]}&end={DAYS[-1]}&cells=false")
    assert bare.json()["rows"] == [
        {**row, "codes": "", "percent": []} for row in body["rows"]
    ]  # the counts alone


def test_prefix_timeframe_and_sessions(api: TestClient) -> None:
    backfilled(api)
    by_prefix = api.get(f"/coverage/matrix?prefix=sP&start={DAYS[0]}&end={DAYS[-1]}").json()
    assert [row["symbol"] for row in by_prefix["rows"]] == ["SPY"]
    daily = api.get(f"/coverage/matrix?timeframe=1d&start={DAYS[0]}&end={DAYS[-1]}").json()
    assert [row["symbol"] for row in daily["rows"]] == ["DIA"] and daily["demo"] is False
    recent = api.get("/coverage/matrix?sessions=3&session=eth").json()
    assert len(recent["days"]) == 3 and recent["session"] == "eth"
    assert recent["days"] == sorted(recent["days"])
    assert all(len(row["codes"]) == len(row["percent"]) == 3 for row in recent["rows"])


@pytest.mark.parametrize(
    ("query", "status", "error", "words"),
    [
        ("sessions=261", 422, "invalid_request", "sessions"),
        ("sessions=0", 422, "invalid_request", "sessions"),
        ("start=2023-01-02&end=2024-06-28", 400, "invalid_range", "at most 260"),
        ("start=2024-11-23&end=2024-11-24", 400, "invalid_range", "no trading sessions"),
        ("start=2024-11-25T10:00", 422, "invalid_request", "start"),
        ("prefix=S%20P", 422, "invalid_request", "prefix"),
        ("timeframe=2m", 422, "invalid_request", "timeframe"),
    ],
)
def test_refusals_are_one_line(
    api: TestClient, query: str, status: int, error: str, words: str
) -> None:
    answer = api.get(f"/coverage/matrix?{query}")
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error and words in body["detail"] and "\n" not in body["detail"]


def test_the_matrix_is_a_guarded_read(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHRONOX_API_AUTH_READS", raising=False)
    settings = Settings(store=cli.store, api_token="s3cret")
    with TestClient(create_app(Container(settings=settings))) as api:
        refused = api.get("/coverage/matrix")
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
        allowed = api.get("/coverage/matrix", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200 and allowed.json()["rows"] == []
        schema = api.get("/openapi.json").json()  # the docs stay open
        assert "/coverage/matrix" in schema["paths"]
        assert "CoverageMatrixOut" in schema["components"]["schemas"]
