"""Job queues against real services: the in-process pool, Redis Streams workers (a
thread; three processes, one of them killed mid-job) and the Redis rate limiter."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
import redis

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.memory.jobs import InProcessJobQueue
from chronox_adapters.redis.jobs import RedisJobQueue, RedisWorker
from chronox_adapters.redis.ratelimit import RedisRateLimiter
from chronox_adapters.synthetic import SyntheticSource
from chronox_adapters.timescale import open_postgres
from chronox_domain import Interval, SessionKind, Timeframe
from chronox_domain.backoff import Backoff
from chronox_domain.errors import NotFound, SourceUnavailable
from chronox_domain.jobs import Job, JobProgress, JobSpec, JobState, split_into_jobs
from chronox_domain.ports import JobQueue
from chronox_domain.services.jobs import JobCancelled
from tests.conftest import Stack, unavailable

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
SPEC = JobSpec(("SPY",), date(2024, 3, 4), date(2024, 3, 6))
Progress = Callable[[int, int], None]


class ScriptedRunner:
    """A ``JobRunner`` of ``steps`` requests that can pause after ``hold_after`` of them
    (until ``release``), fail at the end, and notices cancellation before each one."""

    def __init__(self, steps: int = 3, hold_after: int | None = None, error: str = "") -> None:
        self.steps = steps
        self.hold_after = hold_after
        self.error = error
        self.holding = threading.Event()
        self.release = threading.Event()
        self.stopped_early = threading.Event()
        self.runs: list[JobSpec] = []

    def __call__(
        self, spec: JobSpec, progress: Progress, cancelled: Callable[[], bool]
    ) -> dict[str, int]:
        self.runs.append(spec)
        for done in range(1, self.steps + 1):
            if cancelled():
                self.stopped_early.set()
                return {"requests": done - 1}
            progress(done, self.steps)
            if done == self.hold_after:
                self.holding.set()
                assert self.release.wait(10), "the test never released the runner"
        if self.error:
            raise SourceUnavailable(f"{self.error}\nTraceback-like detail on a second line")
        return {"requests": self.steps, "bars_written": 390 * self.steps}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.02)


def finished(queue: JobQueue, job_id: str, timeout: float = 10.0) -> Job:
    wait_for(lambda: queue.get(job_id).state.finished, timeout, f"job {job_id} to finish")
    return queue.get(job_id)


# --- in-process queue ---------------------------------------------------------------


@pytest.fixture
def in_process() -> Iterator[Callable[..., InProcessJobQueue]]:
    opened: list[InProcessJobQueue] = []

    def open_queue(runner: ScriptedRunner, workers: int = 2) -> InProcessJobQueue:
        opened.append(InProcessJobQueue(runner, workers))
        return opened[-1]

    yield open_queue
    for queue in opened:
        queue.close()


def test_in_process_job_reports_progress_then_succeeds(
    in_process: Callable[..., InProcessJobQueue],
) -> None:
    runner = ScriptedRunner(hold_after=1)
    queue = in_process(runner)
    job = queue.submit(SPEC)
    assert job.state is JobState.QUEUED and job.spec == SPEC
    assert runner.holding.wait(5)
    running = queue.get(job.id)
    assert (running.state, running.done, running.total, running.attempts) == (
        JobState.RUNNING,
        1,
        3,
        1,
    )
    assert running.worker
    runner.release.set()
    done = queue.wait(job.id, 5)
    assert (done.state, done.done, done.total, done.error) == (JobState.SUCCEEDED, 3, 3, None)
    assert done.counts == {"requests": 3, "bars_written": 1170}


def test_in_process_jobs_are_listed_newest_first(
    in_process: Callable[..., InProcessJobQueue],
) -> None:
    queue = in_process(ScriptedRunner())
    submitted = [queue.submit(spec) for spec in split_into_jobs(["SPY", "QQQ", "IWM"], None, None)]
    assert [job.id for job in queue.jobs()] == [job.id for job in reversed(submitted)]


def test_in_process_failure_is_one_line(in_process: Callable[..., InProcessJobQueue]) -> None:
    queue = in_process(ScriptedRunner(error="vendor down"))
    failed = queue.wait(queue.submit(SPEC).id, 5)
    assert failed.state is JobState.FAILED
    assert failed.error == "vendor down"


def test_in_process_cancelled_queued_job_never_runs(
    in_process: Callable[..., InProcessJobQueue],
) -> None:
    runner = ScriptedRunner(hold_after=1)
    queue = in_process(runner, workers=1)
    first = queue.submit(SPEC)
    second = queue.submit(JobSpec(("QQQ",)))
    assert runner.holding.wait(5)
    assert queue.cancel(second.id).state is JobState.CANCELLED
    runner.release.set()
    assert queue.wait(first.id, 5).state is JobState.SUCCEEDED
    assert queue.wait(second.id, 5).state is JobState.CANCELLED
    queue.close()  # every thread has stopped: nothing can still start the second job
    assert runner.runs == [SPEC]


def test_in_process_cancelled_running_job_stops_at_its_next_request(
    in_process: Callable[..., InProcessJobQueue],
) -> None:
    runner = ScriptedRunner(hold_after=1)
    queue = in_process(runner)
    job = queue.submit(SPEC)
    assert runner.holding.wait(5)
    assert queue.cancel(job.id).state is JobState.CANCELLED
    runner.release.set()
    assert runner.stopped_early.wait(5)
    queue.close()
    ended = queue.get(job.id)
    assert (ended.state, ended.done) == (JobState.CANCELLED, 1)
    assert queue.cancel(job.id) == ended  # a finished job is returned unchanged


def test_in_process_unknown_job_is_not_found(
    in_process: Callable[..., InProcessJobQueue],
) -> None:
    queue = in_process(ScriptedRunner())
    with pytest.raises(NotFound):
        queue.get("nope")
    with pytest.raises(NotFound):
        queue.cancel("nope")


# --- Redis: fixtures ------------------------------------------------------------------


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
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


@contextmanager
def worker_thread(runner: ScriptedRunner, prefix: str, name: str = "w1") -> Iterator[RedisWorker]:
    worker = RedisWorker(REDIS_URL, runner, prefix=prefix, name=name, block_ms=100)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        runner.release.set()
        stop.set()
        thread.join(10)
        worker.close()
        assert not thread.is_alive(), "the worker did not stop"


@pytest.fixture
def queue(prefix: str) -> Iterator[RedisJobQueue]:
    opened = RedisJobQueue(REDIS_URL, prefix=prefix)
    yield opened
    opened.close()


# --- Redis queue with one worker thread ---------------------------------------------


def test_redis_job_progress_is_visible_to_another_queue_instance(
    queue: RedisJobQueue, prefix: str
) -> None:
    runner = ScriptedRunner(hold_after=1)
    job = queue.submit(SPEC)
    observer = RedisJobQueue(REDIS_URL, prefix=prefix)  # as from another process
    try:
        assert job.state is JobState.QUEUED
        assert observer.get(job.id) == job
        with worker_thread(runner, prefix, name="w1"):
            assert runner.holding.wait(5)
            running = observer.get(job.id)
            assert (running.state, running.done, running.total) == (JobState.RUNNING, 1, 3)
            assert (running.worker, running.attempts) == ("w1", 1)
            runner.release.set()
            done = finished(observer, job.id)
        assert done == Job(
            job.id,
            SPEC,
            JobState.SUCCEEDED,
            done=3,
            total=3,
            counts={"requests": 3, "bars_written": 1170},
            worker="w1",
            attempts=1,
        )
        later = queue.submit(JobSpec(("QQQ",)))
        assert [j.id for j in observer.jobs()] == [later.id, job.id]
    finally:
        observer.close()


def test_redis_job_failure_is_one_line(queue: RedisJobQueue, prefix: str) -> None:
    with worker_thread(ScriptedRunner(error="vendor down"), prefix):
        failed = finished(queue, queue.submit(SPEC).id)
    assert (failed.state, failed.error) == (JobState.FAILED, "vendor down")


def test_redis_cancelled_queued_job_never_runs(queue: RedisJobQueue, prefix: str) -> None:
    runner = ScriptedRunner()
    cancelled = queue.cancel(queue.submit(SPEC).id)
    assert cancelled.state is JobState.CANCELLED
    with worker_thread(runner, prefix):
        after = queue.submit(JobSpec(("QQQ",)))
        assert finished(queue, after.id).state is JobState.SUCCEEDED
    assert runner.runs == [JobSpec(("QQQ",))]
    assert queue.get(cancelled.id) == cancelled


def test_redis_cancelled_running_job_stops_at_its_next_request(
    queue: RedisJobQueue, prefix: str
) -> None:
    runner = ScriptedRunner(hold_after=1)
    job = queue.submit(SPEC)
    with worker_thread(runner, prefix):
        assert runner.holding.wait(5)
        assert queue.cancel(job.id).state is JobState.CANCELLED
        runner.release.set()
        assert runner.stopped_early.wait(5)
    ended = queue.get(job.id)
    assert (ended.state, ended.done) == (JobState.CANCELLED, 1)
    assert queue.cancel(job.id) == ended


class Counting:
    """A ``JobRunner`` that reports its counts with its progress, holds after
    ``hold_after`` requests and, as the backfill runner does, raises once cancelled."""

    def __init__(self, steps: int = 5, hold_after: int = 2) -> None:
        self.steps = steps
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(
        self, spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]
    ) -> dict[str, int]:
        for done in range(1, self.steps + 1):
            progress(done, self.steps, {"requests": done, "bars_written": 390 * done})
            if cancelled():
                raise JobCancelled("cancelled")
            if done == self.hold_after:  # cancelled here: noticed after one more request
                self.holding.set()
                assert self.release.wait(10), "the test never released the runner"
        return {"requests": self.steps, "bars_written": 390 * self.steps}


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_job_reports_its_counts_as_it_runs_and_keeps_them_when_cancelled(
    kind: str, request: pytest.FixtureRequest
) -> None:
    runner = Counting()
    with counting_queue(kind, runner, request) as queue:
        job = queue.submit(SPEC)
        assert runner.holding.wait(5)
        running = queue.get(job.id)
        assert (running.state, running.done) == (JobState.RUNNING, 2)
        assert running.counts == {"requests": 2, "bars_written": 780}
        assert queue.cancel(job.id).counts == {"requests": 2, "bars_written": 780}
        runner.release.set()
        # The runner stops at its next check, after a third request was committed
        # (whose progress came after the cancel).
        wait_for(lambda: queue.get(job.id).done == 3, 5, "the last request to be recorded")
        ended = queue.get(job.id)
    assert ended.state is JobState.CANCELLED
    assert ended.counts == {"requests": 3, "bars_written": 1170}


@contextmanager
def counting_queue(
    kind: str, runner: Counting, request: pytest.FixtureRequest
) -> Iterator[JobQueue]:
    if kind == "memory":
        memory = InProcessJobQueue(runner, workers=1)
        try:
            yield memory
        finally:
            runner.release.set()
            memory.close()
        return
    prefix = request.getfixturevalue("prefix")
    shared = RedisJobQueue(REDIS_URL, prefix=prefix)
    worker = RedisWorker(REDIS_URL, runner, prefix=prefix, name="w1", block_ms=100)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield shared
    finally:
        runner.release.set()
        stop.set()
        thread.join(10)
        worker.close()
        shared.close()


class WorkerDied(BaseException):
    """Stands for a worker process that vanished in the middle of a job."""


def test_a_job_whose_workers_keep_dying_is_failed_after_max_attempts(
    queue: RedisJobQueue, prefix: str
) -> None:
    def dies(spec: JobSpec, progress: Progress, cancelled: Callable[[], bool]) -> dict[str, int]:
        raise WorkerDied

    job = queue.submit(SPEC)
    first = RedisWorker(REDIS_URL, dies, prefix=prefix, name="first", block_ms=100)
    with pytest.raises(WorkerDied):
        first.run_once()
    first.close()
    assert queue.get(job.id).state is JobState.RUNNING  # its message is still pending

    runner = ScriptedRunner()
    second = RedisWorker(
        REDIS_URL,
        runner,
        prefix=prefix,
        name="second",
        visibility_timeout=0.2,
        block_ms=100,
        max_attempts=1,
    )
    time.sleep(0.3)
    assert second.run_once()  # took the abandoned message over
    second.close()
    failed = queue.get(job.id)
    assert (failed.state, failed.attempts, runner.runs) == (JobState.FAILED, 1, [])
    assert failed.error is not None and "stopped midway" in failed.error


def test_redis_unknown_job_is_not_found(queue: RedisJobQueue) -> None:
    with pytest.raises(NotFound):
        queue.get("nope")
    with pytest.raises(NotFound):
        queue.cancel("nope")


def test_an_unreachable_redis_is_one_line_and_never_stops_the_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nowhere = "redis://127.0.0.1:1/0"
    with pytest.raises(SourceUnavailable, match="Redis"):  # as watch and worker: exit 3
        RedisJobQueue(nowhere).submit(SPEC)
    worker = RedisWorker(nowhere, ScriptedRunner(), name="lost")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)

    def complaints() -> list[str]:
        return [r.getMessage() for r in caplog.records if "Redis unavailable" in r.getMessage()]

    with caplog.at_level(logging.WARNING, logger="chronox_adapters.redis"):
        thread.start()
        wait_for(lambda: len(complaints()) >= 2, 10, "two complaints (the first and a retry)")
        assert thread.is_alive()  # still trying
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert all("\n" not in line for line in complaints())


def test_the_worker_waits_between_retries_as_the_domains_backoff_says(
    caplog: pytest.LogCaptureFixture,
) -> None:
    halves = Backoff(base=0.2, cap=0.8, random_unit=lambda: 0.5)
    worker = RedisWorker("redis://127.0.0.1:1/0", ScriptedRunner(), name="lost", backoff=halves)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)

    def pauses() -> list[str]:
        said = [r.getMessage() for r in caplog.records if "Redis unavailable" in r.getMessage()]
        return [line.rsplit("retrying in ", 1)[1] for line in said]

    with caplog.at_level(logging.WARNING, logger="chronox_adapters.redis"):
        thread.start()
        wait_for(lambda: len(pauses()) >= 4, 10, "four retries")
        stop.set()
        thread.join(5)
    assert pauses()[:4] == ["0.1 s", "0.2 s", "0.4 s", "0.4 s"]


# --- the fault test: three worker processes, one killed mid-job ----------------------

SYMBOLS = ["JOBA", "JOBB", "JOBC", "JOBD", "JOBE", "JOBF"]
FIRST, LAST = date(2024, 3, 4), date(2024, 3, 6)
WORKER = "tests.integration.job_worker_process"
#: ~40 requests of 30 bars per job, 50 ms apart: long enough to be killed midway.
WORKER_OPTIONS = ["--visibility", "2", "--max-bars", "30", "--pause", "0.05"]


@pytest.mark.timeout(60)
def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(
    queue: RedisJobQueue, prefix: str, pg_url: str, calendar: ExchangeCalendar, stack: Stack
) -> None:
    began = time.monotonic()
    store = open_postgres(pg_url, max_size=2)  # migrated here, once, before the workers
    logs = tempfile.TemporaryDirectory(prefix="chronox-workers-")
    workers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in ("w0", "w1", "w2"):
            log = open(Path(logs.name) / f"{name}.log", "wb")  # noqa: SIM115 (closed below)
            workers[name] = subprocess.Popen(
                [sys.executable, "-m", WORKER, REDIS_URL, prefix, pg_url, name, *WORKER_OPTIONS],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
        jobs = [queue.submit(spec) for spec in split_into_jobs(SYMBOLS, FIRST, LAST)]

        # Kill the worker of a job that is well under way but far from done.
        def under_way() -> Job | None:
            for job in jobs:
                now = queue.get(job.id)
                if now.state is JobState.RUNNING and 3 <= now.done <= now.total // 2:
                    return now
            return None

        wait_for(lambda: under_way() is not None, 30, "a job under way")
        victim = under_way()
        assert victim is not None and victim.worker in workers
        workers[victim.worker].send_signal(signal.SIGKILL)
        workers[victim.worker].wait(5)

        outcome = {job.id: finished(queue, job.id, 45 - (time.monotonic() - began)) for job in jobs}
    except BaseException:
        for name in workers:
            print(f"--- {name} ---\n{(Path(logs.name) / f'{name}.log').read_text()[-3000:]}")
        raise
    finally:
        for process in workers.values():
            process.terminate()
        for process in workers.values():
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        logs.cleanup()

    try:
        assert {job.state for job in outcome.values()} == {JobState.SUCCEEDED}
        retried = outcome[victim.id]
        assert retried.attempts >= 2 and retried.worker != victim.worker
        with psycopg.connect(pg_url) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (symbol, start)) FROM bars_1m"
                " WHERE symbol = ANY(%s)",
                (SYMBOLS,),
            ).fetchone()
        expected = sum(expected_bars(calendar, symbol) for symbol in SYMBOLS)
        assert row == (expected, expected)
        coverage = stack(store=store).coverage()
        assert coverage.gaps(SYMBOLS, Timeframe.M1, SessionKind.RTH, FIRST, LAST) == []
    finally:
        store.close()
    assert time.monotonic() - began < 60


def expected_bars(calendar: ExchangeCalendar, symbol: str) -> int:
    """What the synthetic source has for ``symbol`` in the regular hours of the range."""
    sessions = calendar.sessions(FIRST, LAST, SessionKind.RTH)
    window = Interval(sessions[0].open, sessions[-1].close)
    bars = SyntheticSource(calendar).fetch(symbol, Timeframe.M1, window).bars
    return sum(1 for b in bars if any(s.open <= b.start < s.close for s in sessions))


# --- the shared rate limiter ----------------------------------------------------------


def test_two_limiters_on_one_key_share_one_budget(prefix: str) -> None:
    limiters = [
        RedisRateLimiter(REDIS_URL, per_minute=3, prefix=prefix, window=1.0) for _ in range(2)
    ]
    granted: list[float] = []
    lock = threading.Lock()

    def take(limiter: RedisRateLimiter) -> None:
        for _ in range(3):
            limiter.acquire()
            with lock:
                granted.append(time.monotonic())

    began = time.monotonic()
    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for limiter in limiters:
        limiter.close()

    granted.sort()
    assert len(granted) == 6
    assert granted[-1] - began >= 0.95
    # Any four grants span the window. The grant happens on the server a moment before
    # its reply is read here, so the times seen here may be a few ms closer together.
    assert all(granted[i + 3] - granted[i] >= 1.0 - 0.05 for i in range(len(granted) - 3))


def test_the_limiter_asks_to_sleep_until_the_oldest_grant_leaves_the_window(
    prefix: str,
) -> None:
    slept: list[float] = []
    client = redis.Redis.from_url(REDIS_URL)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        client.delete(f"{prefix}ratelimit:polygon")  # as if the minute had passed

    limiter = RedisRateLimiter(REDIS_URL, per_minute=2, prefix=prefix, sleep=sleep)
    try:
        for _ in range(3):
            limiter.acquire()
    finally:
        limiter.close()
        client.close()
    assert len(slept) == 1 and 59.0 < slept[0] <= 60.0
    assert limiter.waited == slept[0]


def test_a_pace_learned_from_a_429_holds_for_every_process(prefix: str) -> None:
    """Two processes, no configured limit: three requests got through, the fourth was
    refused; from then on both pace at three a window."""
    first, second = (
        RedisRateLimiter(REDIS_URL, per_minute=None, prefix=prefix, window=1.0) for _ in range(2)
    )
    try:
        for limiter in (first, second, first, second):
            limiter.acquire()
        assert second.throttled() == 3
        began = time.monotonic()
        for limiter in (first, second, first):
            limiter.acquire()
        # The window still held 4 requests (one refused): the next waited for it to pass.
        assert time.monotonic() - began >= 0.5
    finally:
        first.close()
        second.close()


def test_no_limit_goes_ahead_when_redis_is_down() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", per_minute=None)
    limiter.acquire()  # nothing asked to be protected: no SourceUnavailable
    assert limiter.throttled() is None
    assert limiter.waited == 0.0
