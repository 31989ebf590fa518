"""The CLI with Redis: watch with replay, and backfill shared by workers."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Cli


def test_watch_replays_what_ingest_published(cli: Cli, redis_env: str) -> None:
    assert cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25").code == 0
    result = cli("watch", "SPY", "--replay", "5", "--count", "5", "--json", store=False)
    assert result.code == 0, result.err
    events = [json.loads(line) for line in result.out.splitlines()]
    assert [e["start"] for e in events] == [
        "2024-11-25T20:55:00Z", "2024-11-25T20:56:00Z", "2024-11-25T20:57:00Z",
        "2024-11-25T20:58:00Z", "2024-11-25T20:59:00Z",
    ]  # fmt: skip
    assert all(e["symbol"] == "SPY" and e["provisional"] is False for e in events)
    assert all(e["source"] == "synthetic" for e in events)


def test_backfill_is_shared_by_workers(cli: Cli, redis_env: str) -> None:
    for symbol in ("SPY", "QQQ", "IWM"):
        cli("registry", "add", symbol)
    queued = cli("backfill", "--enqueue", "--start", "2024-11-25", "--end", "2024-11-26", "--json")
    assert queued.code == 0, queued.err
    assert sorted(job["symbols"][0] for job in queued.json()) == ["IWM", "QQQ", "SPY"]
    worked = cli("worker", "--max-jobs", "3")
    assert worked.code == 0, worked.err
    jobs = cli("jobs", "list", "--json").json()
    assert {job["state"] for job in jobs} == {"succeeded"}
    assert all(job["counts"]["bars_written"] > 700 for job in jobs)
    gaps = cli(
        "gaps", "SPY", "QQQ", "IWM", "--start", "2024-11-25", "--end", "2024-11-26", "--json"
    )
    assert gaps.json() == []
    shown = cli("jobs", "show", jobs[0]["id"], store=False).json()
    assert shown["id"] == jobs[0]["id"] and shown["done"] == shown["total"]


def test_unknown_jobs_and_missing_redis_are_one_line(
    cli: Cli, redis_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = cli("jobs", "show", "nope")
    assert (
        missing.code == 2
        and missing.err.startswith("error: ")
        and len(missing.err.splitlines()) == 1
    )
    monkeypatch.delenv("CHRONOX_REDIS_URL")
    for args in (("backfill", "--enqueue"), ("worker",), ("watch", "SPY")):
        result = cli(*args, store=args[0] != "watch")
        assert result.code == 2 and "CHRONOX_REDIS_URL" in result.err, (args, result.err)


def test_watch_names_at_most_the_configured_number_of_symbols(
    cli: Cli, redis_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = cli("watch", *(f"S{n:03d}" for n in range(101)), "--count", "1", store=False)
    assert many.code == 2 and "at most 100" in many.err and len(many.err.splitlines()) == 1
    monkeypatch.setenv("CHRONOX_MAX_WATCH_SYMBOLS", "2")
    three = cli("watch", "A", "B", "C", "--count", "1", store=False)
    assert three.code == 2 and "at most 2" in three.err, three.err


@pytest.mark.timeout(60)
def test_an_unreachable_redis_is_the_same_exit_code_and_one_line_everywhere(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jobs list and backfill --enqueue exited 4 (the store), watch and worker 3: one
    # Redis, one meaning (SourceUnavailable: see chronox_adapters/redis/connection.py).
    monkeypatch.setenv("CHRONOX_REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    sqlite_cli("registry", "add", "SPY")
    runs = {
        "jobs list": sqlite_cli("jobs", "list"),
        "backfill --enqueue": sqlite_cli("backfill", "--enqueue", "SPY"),
        "worker": sqlite_cli("worker", "--max-jobs", "1"),
        "watch": sqlite_cli("watch", "SPY", "--count", "1", store=False),
    }
    for name, result in runs.items():
        assert result.code == 3, (name, result.code, result.err)
        assert len(result.err.strip().splitlines()) == 1, (name, result.err)
        assert "127.0.0.1:1" in result.err and "hunter2" not in result.err, (name, result.err)
