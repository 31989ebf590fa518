"""The in-process job queue: a thread pool, for the embedded default and for tests."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from chronox_domain.errors import NotFound
from chronox_domain.jobs import Job, JobListing, JobRunner, JobSpec, JobState, failure_text
from chronox_domain.redaction import redact


class InProcessJobQueue:
    """Runs jobs on ``workers`` threads of this process (``JobQueue``).

    Nothing survives the process: jobs that have not finished when it exits are lost.
    Cancelling marks a job CANCELLED at once; a queued job then never runs, and a
    running one sees ``cancelled()`` turn True and stops at its next request, keeping
    the counts of what it did. Its jobs are objects of this process, never unreadable.

    Finished jobs expire: at most ``keep_finished`` of them are kept (the newest), none
    longer than ``finished_ttl`` seconds after it finished. Unfinished jobs never expire.
    """

    def __init__(
        self,
        runner: JobRunner,
        workers: int = 2,
        keep_finished: int = 1_000,
        finished_ttl: float = 7 * 24 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self._keep_finished = keep_finished
        self._finished_ttl = finished_ttl
        self._clock = clock
        #: When each finished job finished, by the clock.
        self._finished_at: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chronox-job")
        self._changed = threading.Condition()
        #: Insertion-ordered, so newest first is the reverse.
        self._jobs: dict[str, Job] = {}
        self._closed = False

    def submit(self, spec: JobSpec) -> Job:
        job = Job(uuid.uuid4().hex, spec, JobState.QUEUED)
        with self._changed:
            if self._closed:
                raise RuntimeError("the job queue is closed")
            self._jobs[job.id] = job
            self._expire()
        self._pool.submit(self._run, job.id)
        return job

    def get(self, job_id: str) -> Job:
        with self._changed:
            return self._find(job_id)

    def jobs(self) -> list[Job]:
        with self._changed:
            self._expire()
            return list(reversed(self._jobs.values()))

    def listing(self) -> JobListing:
        return JobListing(self.jobs())

    def cancel(self, job_id: str) -> Job:
        with self._changed:
            job = self._find(job_id)
            if job.state.finished:
                return job
            return self._update(job_id, state=JobState.CANCELLED)

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """The job once it has finished; ``TimeoutError`` if it has not by ``timeout`` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._find(job_id).state.finished, timeout):
                raise TimeoutError(f"job {job_id} has not finished after {timeout} s")
            return self._find(job_id)

    def close(self) -> None:
        """Cancel every unfinished job and wait until the running ones have stopped."""
        with self._changed:
            self._closed = True
            for job in list(self._jobs.values()):
                if not job.state.finished:
                    self._update(job.id, state=JobState.CANCELLED)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job_id: str) -> None:
        with self._changed:
            if self._state(job_id) is not JobState.QUEUED:
                return  # cancelled before a thread was free (and perhaps expired since)
            worker = threading.current_thread().name
            job = self._update(job_id, state=JobState.RUNNING, worker=worker, attempts=1)

        #: What the run has reported: recorded as it goes, and again at its end.
        work: dict[str, Any] = {"done": 0, "total": 0, "counts": {}}

        def progress(done: int, total: int, counts: Mapping[str, int] | None = None) -> None:
            work.update(done=done, total=total)
            if counts is not None:
                work["counts"] = dict(counts)
            self._progress(job_id, work)

        def cancelled() -> bool:
            return self._state(job_id) in (JobState.CANCELLED, None)  # None: it expired

        try:
            counts = self._runner(job.spec, progress, cancelled)
        except Exception as exc:  # a job's failure is its outcome, not the pool's
            # Redacted as it is recorded: vendor text may quote a key or a URL password.
            self._finish(job_id, work, state=JobState.FAILED, error=redact(failure_text(exc)))
        else:
            self._finish(job_id, {**work, "counts": dict(counts)}, state=JobState.SUCCEEDED)

    def _progress(self, job_id: str, work: dict[str, Any]) -> None:
        with self._changed:
            if self._state(job_id) is JobState.RUNNING:
                self._update(job_id, **work)

    def _finish(self, job_id: str, work: dict[str, Any], **outcome: Any) -> None:
        with self._changed:
            # A job cancelled while it ran stays cancelled, whatever the runner did next,
            # with the counts of what it did (one cancelled and then expired stays gone).
            state = self._state(job_id)
            if state is JobState.RUNNING:
                self._update(job_id, **work, **outcome)
            elif state is JobState.CANCELLED:
                self._update(job_id, **work)

    def _state(self, job_id: str) -> JobState | None:
        """The job's state; None once it has expired."""
        with self._changed:
            job = self._jobs.get(job_id)
            return None if job is None else job.state

    def _find(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no job {job_id!r}") from None

    def _update(self, job_id: str, **changes: Any) -> Job:
        """Replace the job with ``changes`` applied; the caller holds the lock."""
        job = replace(self._jobs[job_id], **changes)
        self._jobs[job_id] = job
        if job.state.finished:
            self._finished_at.setdefault(job_id, self._clock())
        self._changed.notify_all()
        return job

    def _expire(self) -> None:
        """Forget finished jobs past their time, then all but the newest
        ``keep_finished`` of the rest; the caller holds the lock."""
        oldest_kept = self._clock() - self._finished_ttl
        finished = [job_id for job_id in self._jobs if job_id in self._finished_at]
        surplus = len(finished) - self._keep_finished
        for position, job_id in enumerate(finished):  # oldest first
            if position < surplus or self._finished_at[job_id] < oldest_kept:
                del self._jobs[job_id], self._finished_at[job_id]
