"""Backfill jobs over Redis: a queue any process can submit to, and workers on any
machine consuming it as one Redis Streams consumer group (``job_worker.py``).

Each job is a hash (``job_records.py`` says its fields) under the keys of
``job_keys.py``; a stream hands jobs to workers. A job's state moves only through
guarded scripts (``job_scripts.py``), so a cancel and a finishing worker cannot
overwrite each other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import redis

from chronox_adapters.redis import job_scripts
from chronox_adapters.redis.connection import unreachable, warn_if_volatile
from chronox_adapters.redis.job_keys import JobKeys, connect, fields_of, hash_of, text
from chronox_adapters.redis.job_records import (
    Fields,
    UnreadableRecords,
    changed_at,
    flat,
    new_record,
    now_text,
    read_job,
)
from chronox_adapters.redis.job_worker import RedisWorker
from chronox_domain.errors import MalformedData, NotFound
from chronox_domain.jobs import Job, JobListing, JobSpec, JobState, failure_text

__all__ = ["RedisJobQueue", "RedisWorker"]  # the worker too: where callers import it from

#: How often submitting sweeps expired jobs, at most (seconds).
_SWEEP_EVERY = 60.0
_FINISHED = frozenset(state.value for state in JobState if state.finished)


class RedisJobQueue:
    """The ``JobQueue`` port over Redis; any number of instances see the same jobs.

    Finished jobs expire: at most ``keep_finished`` of them are kept (the newest by
    creation), none longer than ``finished_ttl`` seconds after it last changed. Any
    instance sweeps, when it lists the jobs and at most once a minute as it submits;
    unfinished jobs are never swept. Redis trouble surfaces as ``SourceUnavailable``
    (``connection.unreachable``) with one readable line.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "",
        keep_finished: int = 1_000,
        finished_ttl: float = 7 * 24 * 3600.0,
    ) -> None:
        self._redis = connect(url)
        self._keys = JobKeys(prefix)
        self._set_if_state = self._redis.register_script(job_scripts.SET_IF_STATE)
        self._keep_finished = keep_finished
        self._finished_ttl = finished_ttl
        self._last_sweep = float("-inf")
        self._unreadable = UnreadableRecords()

    def submit(self, spec: JobSpec) -> Job:
        warn_if_volatile(self._redis)  # once: would the job survive a restart of Redis?
        job = Job(uuid.uuid4().hex, spec, JobState.QUEUED)
        with _reachable():
            transaction = self._redis.pipeline(transaction=True)
            transaction.hset(self._keys.job(job.id), items=flat(new_record(job, now_text())))
            transaction.zadd(self._keys.index, {job.id: time.time()})
            transaction.xadd(self._keys.stream, {"job": job.id})
            transaction.execute()
        if time.monotonic() - self._last_sweep > _SWEEP_EVERY:
            self.listing()  # sweeps as it reads
        return job

    def get(self, job_id: str) -> Job:
        with _reachable():
            fields = hash_of(self._redis, self._keys.job(job_id))
        if fields == {}:
            raise NotFound(f"no job {job_id!r}")
        return read_job(job_id, fields)  # a MalformedData is the answer: not logged too

    def jobs(self) -> list[Job]:
        return self.listing().jobs

    def listing(self) -> JobListing:
        with _reachable():
            newest_first = self._redis.zrevrange(self._keys.index, 0, -1)
            ids = [text(i) for i in newest_first if isinstance(i, bytes | str)]
            reads = self._redis.pipeline(transaction=False)
            for job_id in ids:
                reads.hgetall(self._keys.job(job_id))
            # Errors stay in their slot: a key of the wrong type spoils only its own job.
            found = reads.execute(raise_on_error=False)
            listed = [
                (job_id, fields_of(answer)) for job_id, answer in zip(ids, found, strict=True)
            ]
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
                if finished > self._keep_finished or changed_at(fields) < oldest_kept:
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
                args=["queued,running", "state", "cancelled", "updated", now_text()],
            )
        return self.get(job_id)

    def close(self) -> None:
        self._redis.close()


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise unreachable(f"the job queue (Redis) is unavailable: {failure_text(exc)}") from None
