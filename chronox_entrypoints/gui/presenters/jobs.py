"""Backfill jobs as rows: state, progress, ETA, counts, error text, and Cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chronox_adapters.chronox_api import ChronoxClient
from chronox_presentation import JobOut

#: Jobs listed (the newest); older ones are in ``chronox-cli jobs list``.
SHOWN = 50
ACTIVE = frozenset({"queued", "running"})


@dataclass(frozen=True, slots=True)
class JobRow:
    id: str
    symbols: str
    state: str
    done: int
    total: int
    #: done / total, 0-1; None before the job knows its total.
    fraction: float | None
    eta: str
    counts: str
    error: str

    @property
    def cancellable(self) -> bool:
        return self.state in ACTIVE

    @property
    def progress(self) -> str:
        return f"{self.done}/{self.total}" if self.total else "-"


class JobsPresenter:
    def __init__(self, client: ChronoxClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._clock = clock
        self._lock = threading.Lock()
        #: Where each running job was first seen: (when, done then), for its rate.
        self._first_seen: dict[str, tuple[float, int]] = {}
        self.rows: list[JobRow] = []

    def refresh(self) -> list[JobRow]:
        jobs = self.client.jobs(limit=SHOWN).jobs
        now = self._clock()
        with self._lock:
            for job in jobs:
                if job.state == "running":
                    self._first_seen.setdefault(job.id, (now, job.done))
            running = {job.id for job in jobs if job.state == "running"}
            self._first_seen = {k: v for k, v in self._first_seen.items() if k in running}
            self.rows = [self._row(job, now) for job in jobs]
            return self.rows

    def cancel(self, job_id: str) -> JobRow:
        """Cancel a queued or running job (``DELETE /jobs/{id}``); its row as it is now."""
        job = self.client.cancel_job(job_id)
        return self._row(job, self._clock())

    def any_active(self) -> bool:
        return any(row.cancellable for row in self.rows)

    def _row(self, job: JobOut, now: float) -> JobRow:
        return JobRow(
            id=job.id,
            symbols=", ".join(job.symbols) or "(every active symbol)",
            state=job.state,
            done=job.done,
            total=job.total,
            fraction=job.done / job.total if job.total else None,
            eta=self._eta(job, now),
            counts=", ".join(
                f"{name.replace('_', ' ')} {count:,}"
                for name, count in sorted(job.counts.items())
                if count  # the zeros say nothing
            ),
            error=(job.error or "").splitlines()[0] if job.error else "",
        )

    def _eta(self, job: JobOut, now: float) -> str:
        if job.state != "running" or not job.total:
            return ""
        seen = self._first_seen.get(job.id)
        if seen is None:
            return ""
        since, done_then = seen
        return eta(job.total, job.done, job.done - done_then, now - since)


def eta(total: int, done: int, progressed: int, elapsed: float) -> str:
    """Time left at the rate seen so far: ``progressed`` requests in ``elapsed`` s."""
    if progressed <= 0 or elapsed <= 0:
        return "…"
    return _duration((total - done) * elapsed / progressed)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
