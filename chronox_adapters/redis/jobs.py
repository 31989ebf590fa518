"""Backfill jobs over Redis: a queue any process can submit to, and workers on any
machine consuming it as one Redis Streams consumer group.

Keys (all under ``prefix``): ``job:{id}`` a hash per job (the source of truth for its
state), ``jobs:created`` a sorted set of ids by creation time, ``jobs`` the stream
whose messages (``job`` = id) hand jobs to workers. A job's state moves only through
guarded scripts, so a cancel and a finishing worker cannot overwrite each other.

Delivery is at least once: a message stays pending until its worker acknowledges it,
and one idle longer than the visibility timeout (its worker died) is claimed by
another worker. A live worker keeps its message fresh with a heartbeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import redis

from chronox_adapters.redis.connection import warn_if_volatile
from chronox_adapters.redis.job_records import Fields, new_record, read_job, work_fields
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.errors import MalformedData, NotFound, StorageUnavailable
from chronox_domain.jobs import (
    Job,
    JobListing,
    JobProgress,
    JobRunner,
    JobSpec,
    JobState,
    failure_text,
)

log = logging.getLogger(__name__)

#: Set fields of a job hash only while its state is one of ARGV[1] (comma-separated).
_SET_IF_STATE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if allowed == state then
    redis.call('HSET', KEYS[1], unpack(ARGV, 2))
    return 1
  end
end
return 0
"""

#: Take a job for a run. A queued job, or a running one whose worker died, becomes
#: running under ARGV[1] and the new attempt number is returned; 0 for a job that is
#: finished, cancelled or unknown; -1 when it has used up ARGV[3] attempts (now failed);
#: -2 when its attempts are not a number (a malformed record: left as it is).
_START = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if not attempts then return -2 end
if attempts >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'updated', ARGV[2], 'error',
    'gave up: the worker running it stopped midway, ' .. attempts .. ' time(s)')
  return -1
end
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[1], 'updated', ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
"""

#: Reset the idle time of message ARGV[3], but only while consumer ARGV[2] owns it:
#: a worker that was presumed dead must not take its job back from its successor.
_HEARTBEAT = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""

#: How often submitting sweeps expired jobs, at most (seconds).
_SWEEP_EVERY = 60.0
_FINISHED = frozenset(state.value for state in JobState if state.finished)


@dataclass(frozen=True, slots=True)
class _Keys:
    prefix: str

    @property
    def stream(self) -> str:
        return f"{self.prefix}jobs"

    @property
    def index(self) -> str:
        return f"{self.prefix}jobs:created"

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"


class RedisJobQueue:
    """The ``JobQueue`` port over Redis; any number of instances see the same jobs.

    Finished jobs expire: at most ``keep_finished`` of them are kept (the newest by
    creation), none longer than ``finished_ttl`` seconds after it last changed. Any
    instance sweeps, when it lists the jobs and at most once a minute as it submits;
    unfinished jobs are never swept. Redis trouble surfaces as ``StorageUnavailable``
    with one readable line.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "",
        keep_finished: int = 1_000,
        finished_ttl: float = 7 * 24 * 3600.0,
    ) -> None:
        self._redis = _client(url)
        self._keys = _Keys(prefix)
        self._set_if_state = self._redis.register_script(_SET_IF_STATE)
        self._keep_finished = keep_finished
        self._finished_ttl = finished_ttl
        self._last_sweep = float("-inf")
        self._unreadable = _Unreadable()

    def submit(self, spec: JobSpec) -> Job:
        warn_if_volatile(self._redis)  # once: would the job survive a restart of Redis?
        job = Job(uuid.uuid4().hex, spec, JobState.QUEUED)
        with _reachable():
            transaction = self._redis.pipeline(transaction=True)
            transaction.hset(self._keys.job(job.id), items=_flat(new_record(job, _now_text())))
            transaction.zadd(self._keys.index, {job.id: time.time()})
            transaction.xadd(self._keys.stream, {"job": job.id})
            transaction.execute()
        if time.monotonic() - self._last_sweep > _SWEEP_EVERY:
            self.listing()  # sweeps as it reads
        return job

    def get(self, job_id: str) -> Job:
        with _reachable():
            fields = _hash_of(self._redis, self._keys.job(job_id))
        if fields == {}:
            raise NotFound(f"no job {job_id!r}")
        return read_job(job_id, fields)  # a MalformedData is the answer: not logged too

    def jobs(self) -> list[Job]:
        return self.listing().jobs

    def listing(self) -> JobListing:
        with _reachable():
            newest_first = self._redis.zrevrange(self._keys.index, 0, -1)
            ids = [_text(i) for i in newest_first if isinstance(i, bytes | str)]
            reads = self._redis.pipeline(transaction=False)
            for job_id in ids:
                reads.hgetall(self._keys.job(job_id))
            # Errors stay in their slot: a key of the wrong type spoils only its own job.
            found = reads.execute(raise_on_error=False)
            listed = [(job_id, _fields(answer)) for job_id, answer in zip(ids, found, strict=True)]
            listed = self._sweep(listed)
        jobs, unreadable = [], []
        for job_id, fields in listed:
            try:
                jobs.append(read_job(job_id, fields))
            except MalformedData as exc:
                self._unreadable.report(job_id, exc)
                unreadable.append(job_id)
        return JobListing(jobs, unreadable)

    def _sweep(self, newest_first: list[tuple[str, Fields]]) -> list[tuple[str, Fields]]:
        """Delete the jobs that have expired (and index entries whose job is gone);
        the jobs that remain, in the same order. A key that holds no hash is kept:
        it is not ours to delete."""
        self._last_sweep = time.monotonic()
        oldest_kept = datetime.now(UTC).timestamp() - self._finished_ttl
        kept, gone, finished = [], [], 0
        for job_id, fields in newest_first:
            if fields == {}:
                gone.append(job_id)
                continue
            if fields is not None and fields.get("state") in _FINISHED:
                finished += 1
                if finished > self._keep_finished or _changed_at(fields) < oldest_kept:
                    gone.append(job_id)
                    continue
            kept.append((job_id, fields))
        if gone:
            # Only jobs still finished are deleted: nothing moves a finished job back,
            # and a worker's late write to a deleted job is refused by its script.
            transaction = self._redis.pipeline(transaction=True)
            transaction.delete(*(self._keys.job(job_id) for job_id in gone))
            transaction.zrem(self._keys.index, *gone)
            transaction.execute()
        return kept

    def cancel(self, job_id: str) -> Job:
        self.get(job_id)  # NotFound, or MalformedData: nothing is written into a bad record
        with _reachable():
            self._set_if_state(
                keys=[self._keys.job(job_id)],
                args=["queued,running", "state", "cancelled", "updated", _now_text()],
            )
        return self.get(job_id)

    def close(self) -> None:
        self._redis.close()


class RedisWorker:
    """Consumes the job stream as one member of consumer group ``group``.

    ``run`` loops until ``stop`` is set: a message idle longer than
    ``visibility_timeout`` seconds (its worker died) is claimed first, otherwise the
    next new one is read. Redis trouble is logged in one line and retried after the
    pauses of ``backoff``; it never ends the loop. A job whose workers keep dying is
    failed after ``max_attempts`` runs. A job whose record cannot be read is never run:
    it is failed, saying so, and logged once; its message is acknowledged.
    """

    def __init__(
        self,
        url: str,
        runner: JobRunner,
        prefix: str = "",
        name: str | None = None,
        group: str = "workers",
        visibility_timeout: float = 30.0,
        block_ms: int = 1000,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._runner = runner
        self._keys = _Keys(prefix)
        self._group = group
        self._visibility_ms = int(visibility_timeout * 1000)
        self._block_ms = block_ms
        self._max_attempts = max_attempts
        # Equal jitter: a restarted Redis is not met by every worker in the same instant,
        # and none of them hammers it while it is down.
        self._backoff = backoff or Backoff(base=0.5, cap=30.0, random_unit=equal_jitter)
        self._unreadable = _Unreadable(f"job worker {self.name}")
        # The socket must outlive the longest blocking read.
        self._redis = _client(url, read_timeout=block_ms / 1000 + 10)
        self._set_if_state = self._redis.register_script(_SET_IF_STATE)
        self._start = self._redis.register_script(_START)
        self._heartbeat = self._redis.register_script(_HEARTBEAT)
        self._group_ready = False
        self._claim_cursor = "0-0"

    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                self.run_once()
            except redis.RedisError as exc:
                failures += 1
                delay = self._backoff.delay(failures)
                log.warning(
                    "job worker %s: Redis unavailable (%s); retrying in %.1f s",
                    self.name,
                    failure_text(exc),
                    delay,
                )
                self._group_ready = False  # Redis may have come back empty
                stop.wait(delay)
            except Exception:  # a bug of ours must not stop every later job
                failures += 1
                delay = self._backoff.delay(failures)
                log.exception(
                    "job worker %s: unexpected error; retrying in %.1f s", self.name, delay
                )
                stop.wait(delay)
            else:
                failures = 0
        self._leave()

    def run_once(self) -> bool:
        """Take one job (an abandoned one first) and run it to the end.

        False when no job arrived within ``block_ms``. Raises ``redis.RedisError``
        when Redis cannot be reached (``run`` retries).
        """
        self._ensure_group()
        message = self._reclaim() or self._read()
        if message is None:
            return False
        message_id, job_id = message
        if job_id:
            self._process(message_id, job_id)
        else:
            log.warning("job worker %s: message %s names no job; dropped", self.name, message_id)
        self._acknowledge(message_id)
        return True

    def close(self) -> None:
        self._redis.close()

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self._redis.xgroup_create(self._keys.stream, self._group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _reclaim(self) -> tuple[str, str] | None:
        cursor, claimed, *_ = self._redis.xautoclaim(
            self._keys.stream,
            self._group,
            self.name,
            min_idle_time=self._visibility_ms,
            start_id=self._claim_cursor,
            count=1,
        )
        # Walk the pending list across calls; "0-0" means start over next time.
        self._claim_cursor = _text(cursor)
        for message_id, fields in claimed:
            message = _message(message_id, fields)
            log.info(
                "job worker %s: took over job %s, abandoned by its worker", self.name, message[1]
            )
            return message
        return None

    def _read(self) -> tuple[str, str] | None:
        response = self._redis.xreadgroup(
            self._group, self.name, {self._keys.stream: ">"}, count=1, block=self._block_ms
        )
        # The client speaks RESP2: [[stream, [(id, fields), ...]], ...], or nothing.
        for _stream, messages in cast(list[Any], response or []):
            for message_id, fields in messages:
                return _message(message_id, fields)
        return None

    def _process(self, message_id: str, job_id: str) -> None:
        key = self._keys.job(job_id)
        fields = _hash_of(self._redis, key)
        if fields == {}:
            return  # expired or deleted since it was queued
        try:
            job = read_job(job_id, fields)
        except MalformedData as exc:
            self._refuse_unreadable(key, job_id, exc)
            return
        attempt = int(self._start(keys=[key], args=[self.name, _now_text(), self._max_attempts]))
        if attempt == -1:
            log.warning("job worker %s: job %s failed, out of attempts", self.name, job_id)
        if attempt == -2:  # its attempts were spoilt after it was read
            problem = f"job {job_id} is unreadable in the job queue: its attempts are not a number"
            self._refuse_unreadable(key, job_id, MalformedData(problem))
        if attempt <= 0:
            return
        log.info("job worker %s: running job %s (attempt %d)", self.name, job_id, attempt)
        run = _Run(key, job.done, job.total, dict(job.counts))
        with self._heartbeat_of(message_id):
            try:
                counts = self._runner(job.spec, self._progress_of(run), self._cancelled_of(key))
            except Exception as exc:  # the job's failure is its outcome
                self._finish(run, state="failed", error=failure_text(exc))
                log.info("job worker %s: job %s failed: %s", self.name, job_id, failure_text(exc))
                return
        run.counts = dict(counts)
        if self._finish(run, state="succeeded"):
            log.info("job worker %s: job %s succeeded", self.name, job_id)
        else:
            log.info("job worker %s: job %s was cancelled or finished elsewhere", self.name, job_id)

    def _finish(self, run: _Run, **outcome: str) -> bool:
        """Record the outcome with what the run did, unless the job was cancelled (or
        finished elsewhere) meanwhile; a cancelled job still gets what was done."""
        done = {**work_fields(run.done, run.total, run.counts), "updated": _now_text()}
        if self._set_if_state(keys=[run.key], args=["running", *_flat({**outcome, **done})]):
            return True
        self._set_if_state(keys=[run.key], args=["cancelled", *_flat(done)])
        return False

    def _refuse_unreadable(self, key: str, job_id: str, exc: MalformedData) -> None:
        """A job that cannot be read is not run: it fails, saying why, so that it ends
        (and expires) like any failed job; nothing else of its record is touched."""
        self._unreadable.report(job_id, exc)
        self._set_if_state(
            keys=[key],
            args=["queued,running", "state", "failed", "error", str(exc), "updated", _now_text()],
        )

    def _acknowledge(self, message_id: str) -> None:
        # Deleted as well: this group is the stream's only reader, and a work queue
        # should not grow with every job ever done.
        transaction = self._redis.pipeline(transaction=True)
        transaction.xack(self._keys.stream, self._group, message_id)
        transaction.xdel(self._keys.stream, message_id)
        transaction.execute()

    def _progress_of(self, run: _Run) -> JobProgress:
        def progress(done: int, total: int, counts: Mapping[str, int] | None = None) -> None:
            run.done, run.total = done, total
            if counts is not None:
                run.counts = dict(counts)
            fields = {**work_fields(done, total, run.counts), "updated": _now_text()}
            try:  # progress is for people watching: never worth failing a job over
                self._set_if_state(keys=[run.key], args=["running", *_flat(fields)])
            except redis.RedisError as exc:
                log.warning("job worker %s: progress not recorded (%s)", self.name, exc)

        return progress

    def _cancelled_of(self, key: str) -> Callable[[], bool]:
        def cancelled() -> bool:
            try:
                return _text(self._redis.hget(key, "state") or "") == JobState.CANCELLED.value
            except redis.RedisError:
                return False  # keep working; the outcome is written once Redis is back

        return cancelled

    @contextmanager
    def _heartbeat_of(self, message_id: str) -> Iterator[None]:
        done = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(message_id, done), name=f"{self.name}-heartbeat", daemon=True
        )
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    def _beat(self, message_id: str, done: threading.Event) -> None:
        while not done.wait(self._visibility_ms / 3000):
            try:
                mine = self._heartbeat(
                    keys=[self._keys.stream], args=[self._group, self.name, message_id]
                )
            except redis.RedisError as exc:
                log.warning("job worker %s: heartbeat failed (%s)", self.name, failure_text(exc))
                continue
            if not mine:
                log.warning(
                    "job worker %s: message %s was taken over by another worker; finishing "
                    "anyway (writes are idempotent)",
                    self.name,
                    message_id,
                )
                return

    def _leave(self) -> None:
        """Remove this consumer from the group when it holds nothing: names do not pile up."""
        try:
            pending = self._redis.xpending_range(
                self._keys.stream, self._group, "-", "+", 1, consumername=self.name
            )
            if not pending:
                self._redis.xgroup_delconsumer(self._keys.stream, self._group, self.name)
        except redis.RedisError:
            pass  # a stale consumer name is harmless


@dataclass(slots=True)
class _Run:
    """What one run of a job has reported so far, for the record of its end."""

    key: str
    done: int
    total: int
    counts: dict[str, int] = field(default_factory=dict)


class _Unreadable:
    """Says once, at WARNING, which job records cannot be read (by ``who``, when that
    matters): a listing that runs at every scrape must not repeat it every time."""

    def __init__(self, who: str = "") -> None:
        self._who = f"{who}: " if who else ""
        self._said: set[str] = set()
        self._lock = threading.Lock()

    def report(self, job_id: str, error: MalformedData) -> None:
        with self._lock:
            if job_id in self._said:
                return
            self._said.add(job_id)
        log.warning("%s%s; skipped", self._who, error)


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise StorageUnavailable(
            f"the job queue (Redis) is unavailable: {failure_text(exc)}"
        ) from None


def _client(url: str, read_timeout: float = 10.0) -> redis.Redis:
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=5.0, socket_timeout=read_timeout
    )


def _hash_of(client: redis.Redis, key: str) -> Fields:
    """The fields of hash ``key`` ({} when there is none, None when the key holds
    something else)."""
    try:
        return _texts(client.hgetall(key))
    except redis.ResponseError as exc:
        if "WRONGTYPE" not in str(exc):
            raise
        return None


def _fields(answer: object) -> Fields:
    """One HGETALL answer of a pipeline run with ``raise_on_error=False``."""
    if isinstance(answer, redis.ResponseError):
        if "WRONGTYPE" not in str(answer):
            raise answer
        return None
    return _texts(cast(Mapping[Any, Any], answer))


def _message(message_id: bytes | str, fields: Mapping[Any, Any] | None) -> tuple[str, str]:
    return _text(message_id), _text((fields or {}).get("job", ""))


def _flat(fields: Mapping[str, str | int]) -> list[str | int]:
    """Field, value, field, value...: what HSET and the scripts take."""
    return [item for pair in fields.items() for item in pair]


def _texts(mapping: Mapping[Any, Any]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in mapping.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _changed_at(fields: Mapping[str, str]) -> float:
    """When the job last changed (its ``updated`` field), as a POSIX timestamp; a job
    without a readable one counts as changed now (kept, never swept by mistake)."""
    try:
        return datetime.fromisoformat(fields.get("updated", "")).timestamp()
    except ValueError:
        return datetime.now(UTC).timestamp()


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
