"""``backfill --enqueue --source flatfiles``: one job per session's day file, taken by
two ``chronox-cli worker`` processes at once through real Redis, from a real S3-protocol
server (moto on loopback), into SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest

from tests.e2e.conftest import Cli
from tests.flatfiles_stub.dayfile import day_key, put_day_file
from tests.flatfiles_stub.market import market_day
from tests.flatfiles_stub.server import S3Server

DAYS = (date(2024, 1, 3), date(2024, 1, 4), date(2024, 1, 5), date(2024, 1, 8))
RANGE = ("--start", "2024-01-03", "--end", "2024-01-08")
TICKERS = ("AAPL", "BRK.A", "KIMpL", "SPY")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with S3Server() as server:
        monkeypatch.setenv("CHRONOX_FLATFILES_ENDPOINT", server.endpoint)
        monkeypatch.setenv("CHRONOX_FLATFILES_ACCESS_KEY_ID", server.access_key_id)
        monkeypatch.setenv("CHRONOX_FLATFILES_SECRET_ACCESS_KEY", server.secret_access_key)
        yield server


def _downloads(s3: S3Server) -> Counter[str]:
    return Counter(str(r.key) for r in s3.requests() if r.is_download)


def _workers(cli: Cli, jobs_each: int, count: int = 2) -> None:
    """``count`` ``chronox-cli worker`` processes at once, each taking ``jobs_each``
    jobs; they inherit the test's environment (Redis, the S3 server, this checkout)."""
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "worker"]
    workers = [
        subprocess.Popen(
            [*command, "--name", f"w{n}", "--max-jobs", str(jobs_each), "--store", cli.store],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    try:
        for worker in workers:
            _, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
    finally:
        for worker in workers:
            worker.kill()


@pytest.mark.timeout(300)
def test_two_workers_ingest_one_day_file_each_at_a_time(
    cli: Cli, redis_env: str, s3: S3Server
) -> None:
    for day in DAYS:
        put_day_file(s3, day, market_day(day, TICKERS))
    assert cli("registry", "add", "AAPL", "KIMpL", "BRK.A", "MSFT").code == 0
    queued = cli("backfill", "--enqueue", "--source", "flatfiles", *RANGE, "--json")
    assert queued.code == 0, queued.err
    assert [(job["kind"], job["day"], job["timeframe"]) for job in queued.json()] == [
        ("day_file", day.isoformat(), "1m") for day in DAYS
    ]
    assert all(job["symbols"] == [] for job in queued.json())  # the registry, when run

    _workers(cli, jobs_each=2)

    # Every day downloaded once, by one of the two workers, each taking two.
    assert _downloads(s3) == Counter(day_key(day) for day in DAYS)
    jobs = cli("jobs", "list", "--json").json()
    assert {job["state"] for job in jobs} == {"succeeded"}
    assert Counter(job["worker"] for job in jobs) == {"w0": 2, "w1": 2}
    assert {job["kind"] for job in jobs} == {"day_file"} and len(jobs) == 4
    for job in jobs:
        counts = job["counts"]
        assert counts["days_read"] == 1 and counts["ticker_days"] == 4, job
        assert counts["ticker_days_empty"] == 1 and counts["bars_written"] > 0, job
    shown = cli("jobs", "show", jobs[0]["id"], store=False).json()
    assert shown["start"] == shown["end"] and shown["timeframe"] == "1m"
    listed = cli("jobs", "list")
    assert listed.code == 0 and "day file 2024-01-05 1m (registry)" in listed.out
    # The ledger is complete: MSFT (absent from every file) is confirmed empty.
    gaps = cli("gaps", "AAPL", "KIMpL", "BRK.A", "MSFT", "--session", "eth", *RANGE, "--json")
    assert gaps.code == 0 and gaps.json() == [], gaps.out

    # Queued again: every file is asked for its ETag, none downloaded.
    s3.reset_log()
    again = cli("backfill", "--enqueue", "--source", "flatfiles", *RANGE, "--json")
    assert again.code == 0 and len(again.json()) == 4, again.err
    _workers(cli, jobs_each=2)
    assert _downloads(s3) == Counter()
    ids = {job["id"] for job in again.json()}
    rerun = [job for job in cli("jobs", "list", "--json").json() if job["id"] in ids]
    assert {job["state"] for job in rerun} == {"succeeded"}
    assert all(job["counts"]["days_skipped_unchanged"] == 1 for job in rerun), rerun


def test_named_symbols_must_be_registered_and_a_day_file_job_names_them(
    cli: Cli, redis_env: str
) -> None:
    cli("registry", "add", "SPY")
    refused = cli("backfill", "--enqueue", "--source", "flatfiles", "SPY", "QQQ", *RANGE)
    assert refused.code != 0 and "QQQ" in refused.err and len(refused.err.splitlines()) == 1
    queued = cli("backfill", "--enqueue", "--source", "flatfiles", "SPY", *RANGE, "--json")
    assert queued.code == 0 and {tuple(job["symbols"]) for job in queued.json()} == {("SPY",)}
    weekend = ("--start", "2024-01-06", "--end", "2024-01-07")
    none = cli("backfill", "--enqueue", "--source", "flatfiles", "SPY", *weekend)
    assert none.code == 2 and "no trading sessions" in none.err, none.err
