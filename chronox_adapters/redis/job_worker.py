"""A worker of the Redis job queue: one member of the consumer group that reads the
job stream (``jobs.py`` says how jobs are kept and handed out).

Delivery is at least once: a message stays pending until its worker acknowledges it,
and one idle longer than the visibility timeout (its worker died) is claimed by
another worker. A live worker keeps its message fresh with a heartbeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import redis

from chronox_adapters.redis import job_scripts
from chronox_adapters.redis.job_keys import JobKeys, connect, hash_of, text
from chronox_adapters.redis.job_records import (
    UnreadableRecords,
    flat,
    now_text,
    read_job,
    work_fields,
)
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.errors import MalformedData
from chronox_domain.jobs import JobProgress, JobRunner, JobState, failure_text

log = logging.getLogger(__name__)


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
        self._keys = JobKeys(prefix)
        self._group = group
        self._visibility_ms = int(visibility_timeout * 1000)
        self._block_ms = block_ms
        self._max_attempts = max_attempts
        # Equal jitter: a restarted Redis is not met by every worker in the same instant,
        # and none of them hammers it while it is down.
        self._backoff = backoff or Backoff(base=0.5, cap=30.0, random_unit=equal_jitter)
        self._unreadable = UnreadableRecords(f"job worker {self.name}")
        # The socket must outlive the longest blocking read.
        self._redis = connect(url, read_timeout=block_ms / 1000 + 10)
        self._set_if_state = self._redis.register_script(job_scripts.SET_IF_STATE)
        self._start = self._redis.register_script(job_scripts.START)
        self._heartbeat = self._redis.register_script(job_scripts.HEARTBEAT)
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
        self._claim_cursor = text(cursor)
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
        fields = hash_of(self._redis, key)
        if fields == {}:
            return  # expired or deleted since it was queued
        try:
            job = read_job(job_id, fields)
        except MalformedData as exc:
            self._refuse_unreadable(key, job_id, exc)
            return
        attempt = int(self._start(keys=[key], args=[self.name, now_text(), self._max_attempts]))
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
        done = {**work_fields(run.done, run.total, run.counts), "updated": now_text()}
        if self._set_if_state(keys=[run.key], args=["running", *flat({**outcome, **done})]):
            return True
        self._set_if_state(keys=[run.key], args=["cancelled", *flat(done)])
        return False

    def _refuse_unreadable(self, key: str, job_id: str, exc: MalformedData) -> None:
        """A job that cannot be read is not run: it fails, saying why, so that it ends
        (and expires) like any failed job; nothing else of its record is touched."""
        self._unreadable.report(job_id, exc)
        self._set_if_state(
            keys=[key],
            args=["queued,running", "state", "failed", "error", str(exc), "updated", now_text()],
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
            fields = {**work_fields(done, total, run.counts), "updated": now_text()}
            try:  # progress is for people watching: never worth failing a job over
                self._set_if_state(keys=[run.key], args=["running", *flat(fields)])
            except redis.RedisError as exc:
                log.warning("job worker %s: progress not recorded (%s)", self.name, exc)

        return progress

    def _cancelled_of(self, key: str) -> Callable[[], bool]:
        def cancelled() -> bool:
            try:
                return text(self._redis.hget(key, "state") or "") == JobState.CANCELLED.value
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


def _message(message_id: bytes | str, fields: Mapping[Any, Any] | None) -> tuple[str, str]:
    return text(message_id), text((fields or {}).get("job", ""))
