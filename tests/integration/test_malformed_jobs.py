"""One unreadable job record in Redis (written by hand, by an older version, half
deleted) is isolated and reported: listings, counts, the metrics gauge and the workers
go on with every other job; asking for that job by id is one clear line."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from chronox_adapters.prometheus import PrometheusMetrics
from chronox_adapters.redis.jobs import RedisJobQueue, RedisWorker
from chronox_domain.errors import MalformedData
from chronox_domain.jobs import JobSpec, JobState
from tests.conftest import unavailable

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")
LOGGER = "chronox_adapters.redis"  # the job queue family: its records and its workers log

#: Job hashes as a person, an older chronox or a half-finished delete could leave them.
MALFORMED: dict[str, dict[str, str]] = {
    "bad-symbols": {"symbols": "spy!!", "state": "queued", "attempts": "0"},
    "bad-state": {"symbols": "SPY", "state": "exploded"},
    "no-state": {"symbols": "SPY", "done": "1"},
    "bad-counts": {"symbols": "SPY", "state": "succeeded", "counts": "{not json"},
    "counts-not-numbers": {"symbols": "SPY", "state": "succeeded", "counts": '{"bars": null}'},
    "bad-done": {"symbols": "SPY", "state": "running", "done": "many"},
    "bad-start": {"symbols": "SPY", "state": "queued", "start": "last tuesday"},
}
#: A job that a worker would take (queued) but whose attempts no script can count.
BAD_ATTEMPTS = {"symbols": "SPY", "state": "queued", "attempts": "several"}


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    found = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, decode_responses=True)
    try:
        found.ping()
    except redis.RedisError as exc:
        found.close()
        unavailable("Redis", str(exc).splitlines()[0])
    yield found
    found.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    name = f"chronox-test-{uuid.uuid4()}:"
    yield name
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def queue(prefix: str) -> Iterator[RedisJobQueue]:
    opened = RedisJobQueue(REDIS_URL, prefix=prefix)
    yield opened
    opened.close()


def plant(client: redis.Redis, prefix: str, job_id: str, fields: dict[str, str]) -> None:
    """Write a job record by hand, indexed like a real one (and queued for the workers)."""
    client.hset(f"{prefix}job:{job_id}", mapping=fields)
    client.zadd(f"{prefix}jobs:created", {job_id: time.time()})
    client.xadd(f"{prefix}jobs", {"job": job_id})


def warnings_about(caplog: pytest.LogCaptureFixture, job_id: str, by: str = "") -> list[str]:
    """The warnings naming ``job_id`` (of those starting with ``by``)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
        and f"job {job_id} " in r.getMessage()
        and r.getMessage().startswith(by)
    ]


def instant(
    spec: JobSpec, progress: Callable[..., None], cancelled: Callable[[], bool]
) -> dict[str, int]:
    return {"requests": 1}


def test_a_listing_skips_unreadable_records_and_names_them(
    queue: RedisJobQueue, prefix: str, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    good = queue.submit(JobSpec(("SPY",)))
    for job_id, fields in MALFORMED.items():
        plant(client, prefix, job_id, fields)
    client.set(f"{prefix}job:not-a-hash", "garbage")  # the wrong type of key altogether
    client.zadd(f"{prefix}jobs:created", {"not-a-hash": time.time()})
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        listing = queue.listing()
        assert [job.id for job in listing.jobs] == [good.id]
        assert sorted(listing.unreadable) == sorted([*MALFORMED, "not-a-hash"])
        assert [job.id for job in queue.jobs()] == [good.id]  # what the gauge counts
        queue.listing()
    for job_id in [*MALFORMED, "not-a-hash"]:
        said = warnings_about(caplog, job_id)
        assert len(said) == 1, (job_id, said)  # once, however often it is listed
        assert "\n" not in said[0]


def test_an_unreadable_job_asked_for_by_id_is_one_clear_line(
    queue: RedisJobQueue, prefix: str, client: redis.Redis
) -> None:
    plant(client, prefix, "bad-state", MALFORMED["bad-state"])
    for ask in (queue.get, queue.cancel):
        with pytest.raises(MalformedData) as raised:
            ask("bad-state")
        text = str(raised.value)
        assert "bad-state" in text and "unreadable" in text and "\n" not in text
    # Refused without a change: a cancel does not write into a record it cannot read.
    assert client.hget(f"{prefix}job:bad-state", "state") == "exploded"


def test_the_jobs_gauge_counts_the_readable_jobs_and_the_unreadable_records(
    queue: RedisJobQueue, prefix: str, client: redis.Redis
) -> None:
    queue.submit(JobSpec(("SPY",)))
    plant(client, prefix, "bad-symbols", MALFORMED["bad-symbols"])
    metrics = PrometheusMetrics()
    metrics.watch_jobs(queue.listing)
    text = metrics.exposition()[0].decode()
    assert 'chronox_jobs{state="queued"} 1.0' in text
    assert 'chronox_jobs{state="unreadable"} 1.0' in text


def test_a_worker_skips_unreadable_jobs_and_runs_the_rest(
    queue: RedisJobQueue, prefix: str, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    for job_id, fields in MALFORMED.items():
        plant(client, prefix, job_id, fields)
    plant(client, prefix, "bad-attempts", BAD_ATTEMPTS)
    client.xadd(f"{prefix}jobs", {"something": "else"})  # a message naming no job
    good = queue.submit(JobSpec(("SPY",)))
    worker = RedisWorker(REDIS_URL, instant, prefix=prefix, name="w1", block_ms=100)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while queue.get(good.id).state is not JobState.SUCCEEDED:
                assert time.monotonic() < deadline, "the good job never ran"
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(10)
            worker.close()
    assert not thread.is_alive()
    # Every message was taken and acknowledged: none is left to be retried for ever.
    assert client.xpending(f"{prefix}jobs", "workers")["pending"] == 0
    assert client.xlen(f"{prefix}jobs") == 0
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]
    assert not [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    for job_id in ("bad-symbols", "bad-attempts", "bad-start", "bad-state"):
        assert len(warnings_about(caplog, job_id, by="job worker w1")) == 1, job_id
    # A queued job that cannot be read never runs: it fails, saying why (and expires
    # as finished jobs do); the rest of its record is left as it was found.
    for job_id in ("bad-symbols", "bad-attempts", "bad-start"):
        record = client.hgetall(f"{prefix}job:{job_id}")
        assert record["state"] == "failed", job_id
        assert "unreadable" in record["error"], job_id
    assert client.hget(f"{prefix}job:bad-state", "state") == "exploded"
