"""One job record in Redis that cannot be read (written by hand, by an older version)
breaks nothing: ``jobs list``, ``GET /jobs``, the jobs gauge and a worker go on with
the other jobs and name it; asking for it by id is one line."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import REDIS_URL, Cli


@pytest.fixture
def planted(redis_env: str) -> Iterator[str]:
    """The id of a job record with a symbol no version of chronox accepts, queued."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.hset(f"{redis_env}job:bad1", mapping={"symbols": "spy!!", "state": "queued"})
    client.zadd(f"{redis_env}jobs:created", {"bad1": time.time()})
    client.xadd(f"{redis_env}jobs", {"job": "bad1"})
    client.close()
    yield "bad1"


def test_the_cli_lists_runs_and_names_around_an_unreadable_job(cli: Cli, planted: str) -> None:
    cli("registry", "add", "SPY")
    queued = cli("backfill", "--enqueue", "--start", "2024-11-25", "--end", "2024-11-25", "--json")
    assert queued.code == 0, queued.err
    good = queued.json()[0]["id"]

    for args in (("jobs", "list"), ("jobs", "list", "--json")):
        listed = cli(*args)
        assert listed.code == 0, listed.err
        assert good in listed.out and planted not in listed.out
        # Named, with its reason, and no traceback.
        assert f"left out, unreadable: {planted}" in listed.err
        assert "invalid symbol 'spy!!'" in listed.err and "Traceback" not in listed.err
    assert [job["id"] for job in cli("jobs", "list", "--json").json()] == [good]

    for args in (("jobs", "show", planted), ("jobs", "cancel", planted)):
        refused = cli(*args)
        assert refused.code == 2, (args, refused.err)
        assert refused.err.startswith(f"error: job {planted} is unreadable")
        assert len(refused.err.splitlines()) == 1

    worked = cli("worker", "--max-jobs", "2")  # the unreadable one, then the good one
    assert worked.code == 0, worked.err
    assert cli("jobs", "show", good).json()["state"] == "succeeded"


def test_the_api_lists_and_counts_around_an_unreadable_job(
    cli: Cli, planted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CHRONOX_API_TOKEN", "CHRONOX_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as api:
        # Only registry symbols are backfilled (an unregistered one is a 404).
        assert api.post("/symbols", json={"symbol": "SPY"}).status_code < 300
        queued = api.post("/backfill", json={"symbols": ["SPY"], "start": "2024-11-25"})
        assert queued.status_code == 202, queued.text
        page = api.get("/jobs")
        assert page.status_code == 200, page.text
        assert [job["id"] for job in page.json()["jobs"]] == [queued.json()[0]["id"]]
        assert page.json()["unreadable"] == [planted]
        one = api.get(f"/jobs/{planted}")
        assert one.status_code == 400 and planted in one.json()["detail"]
        metrics = api.get("/metrics")
        assert 'chronox_jobs{state="queued"} 1.0' in metrics.text
        # Counted too, so that an alert can fire on records nobody can read.
        assert 'chronox_jobs{state="unreadable"} 1.0' in metrics.text
