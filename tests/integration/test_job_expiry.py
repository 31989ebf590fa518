"""Finished jobs expire, in the in-process queue and in Redis: at most ``keep_finished``
of them (the newest), none older than ``finished_ttl``; unfinished jobs stay."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from chronox_adapters.memory.jobs import InProcessJobQueue
from chronox_adapters.redis.jobs import RedisJobQueue, RedisWorker
from chronox_domain.errors import NotFound
from chronox_domain.jobs import JobSpec, JobState
from tests.conftest import unavailable

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")
Progress = Callable[[int, int], None]


def spec(n: int) -> JobSpec:
    return JobSpec((f"S{n}",))


def instant(spec: JobSpec, progress: Progress, cancelled: Callable[[], bool]) -> dict[str, int]:
    if spec.symbols == ("FAIL",):
        raise RuntimeError("GET https://vendor/x?apiKey=K123 said: Bearer T456 is not valid")
    return {"requests": 1}


def settle(queue: InProcessJobQueue, ids: list[str]) -> None:
    """Wait until every job of ``ids`` (submitted in that order to one worker) finished:
    the last one finishes last. (Waiting for each in turn would race their expiry: an
    older job may be gone, as it should be, before its wait begins.)"""
    queue.wait(ids[-1], timeout=10)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_in_process_queue_keeps_the_newest_finished_jobs() -> None:
    queue = InProcessJobQueue(instant, workers=1, keep_finished=2)
    try:
        ids = [queue.submit(spec(n)).id for n in range(4)]
        settle(queue, ids)
        assert [job.id for job in queue.jobs()] == [ids[3], ids[2]]
        with pytest.raises(NotFound):
            queue.get(ids[0])
    finally:
        queue.close()


def test_the_in_process_queue_forgets_finished_jobs_past_their_ttl() -> None:
    clock = FakeClock()
    queue = InProcessJobQueue(instant, workers=1, finished_ttl=60, clock=clock)
    try:
        old = queue.submit(spec(1)).id
        settle(queue, [old])
        clock.now += 61
        new = queue.submit(spec(2)).id
        settle(queue, [new])
        assert [job.id for job in queue.jobs()] == [new]
        clock.now += 30
        assert [job.id for job in queue.jobs()] == [new]
    finally:
        queue.close()


def test_the_in_process_queue_never_drops_unfinished_jobs() -> None:
    clock, release = FakeClock(), threading.Event()

    def held(spec: JobSpec, progress: Progress, cancelled: Callable[[], bool]) -> dict[str, int]:
        assert release.wait(10)
        return {}

    queue = InProcessJobQueue(held, workers=1, keep_finished=0, finished_ttl=1, clock=clock)
    try:
        running, waiting = queue.submit(spec(1)).id, queue.submit(spec(2)).id
        clock.now += 3600
        states = {job.id: job.state for job in queue.jobs()}
        assert states[waiting] is JobState.QUEUED and running in states
        release.set()
        settle(queue, [running, waiting])
        assert queue.jobs() == []  # finished, and none are to be kept
    finally:
        release.set()
        queue.close()


def test_a_running_job_cancelled_and_expired_ends_quietly() -> None:
    """Its thread goes on to its next request, finds the job gone, and stops; the pool
    runs the next job as usual."""
    release, asked = threading.Event(), threading.Event()
    stopped: list[bool] = []

    def held(spec: JobSpec, progress: Progress, cancelled: Callable[[], bool]) -> dict[str, int]:
        if spec.symbols == ("S1",):
            asked.set()
            assert release.wait(10)
            progress(1, 2)
            stopped.append(cancelled())
        return {}

    queue = InProcessJobQueue(held, workers=1, keep_finished=0)
    try:
        first = queue.submit(spec(1)).id
        assert asked.wait(10)
        queue.cancel(first)
        second = queue.submit(spec(2)).id  # sweeps the cancelled job away
        with pytest.raises(NotFound):
            queue.get(first)
        release.set()
        assert queue.wait(second, timeout=10).state is JobState.SUCCEEDED
        assert stopped == [True]
    finally:
        release.set()
        queue.close()


def test_the_in_process_queue_records_errors_redacted() -> None:
    queue = InProcessJobQueue(instant, workers=1)
    try:
        job = queue.wait(queue.submit(JobSpec(("FAIL",))).id, timeout=10)
        assert job.state is JobState.FAILED and job.error is not None
        assert "K123" not in job.error and "T456" not in job.error
        assert "apiKey=***" in job.error and "Bearer ***" in job.error
    finally:
        queue.close()


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable("Redis", str(exc).splitlines()[0])
    name = f"chronox-test-{uuid.uuid4()}:"
    try:
        yield name
    finally:
        keys = list(client.scan_iter(match=f"{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


def run_all(prefix: str, count: int) -> None:
    worker = RedisWorker(REDIS_URL, instant, prefix=prefix, block_ms=100)
    try:
        for _ in range(count):
            assert worker.run_once()
    finally:
        worker.close()


def job_keys(prefix: str) -> set[str]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return {key.removeprefix(f"{prefix}job:") for key in client.scan_iter(f"{prefix}job:*")}
    finally:
        client.close()


def test_redis_keeps_the_newest_finished_jobs_and_every_unfinished_one(prefix: str) -> None:
    queue = RedisJobQueue(REDIS_URL, prefix=prefix, keep_finished=2)
    try:
        finished = [queue.submit(spec(n)).id for n in range(4)]
        run_all(prefix, 4)
        waiting = queue.submit(spec(9)).id  # never run: stays queued
        listed = [job.id for job in queue.jobs()]
        assert listed == [waiting, finished[3], finished[2]]
        # Deleted from Redis, not just hidden: another instance sees the same.
        assert job_keys(prefix) == {waiting, finished[3], finished[2]}
        other = RedisJobQueue(REDIS_URL, prefix=prefix)
        try:
            assert [job.id for job in other.jobs()] == listed
            with pytest.raises(NotFound):
                other.get(finished[0])
        finally:
            other.close()
    finally:
        queue.close()


def test_redis_forgets_finished_jobs_past_their_ttl(prefix: str) -> None:
    queue = RedisJobQueue(REDIS_URL, prefix=prefix, finished_ttl=0.5)
    try:
        done = queue.submit(spec(1)).id
        run_all(prefix, 1)
        waiting = queue.submit(spec(2)).id
        assert [job.id for job in queue.jobs()] == [waiting, done]
        time.sleep(0.7)
        assert [job.id for job in queue.jobs()] == [waiting]
        assert job_keys(prefix) == {waiting}
    finally:
        queue.close()
