"""Backfill jobs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Self

from pydantic import BaseModel, Field

from chronox_domain.jobs import Job, JobKind
from chronox_domain.redaction import redact


class JobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    symbols: list[str]
    #: backfill: a symbol's gaps; day_file: one session's day file for ``symbols``, or
    #: the registry's symbols of ``timeframe`` when none are listed. (A default, for an
    #: API from before the field: all its jobs were backfills.)
    kind: Literal["backfill", "day_file"] = "backfill"
    #: A day file job's timeframe (null for a backfill: the registry's for the symbol).
    timeframe: str | None = None
    done: int
    total: int
    counts: dict[str, int]
    error: str | None
    worker: str | None
    attempts: int

    @classmethod
    def of(cls, job: Job, secrets: Iterable[str] = ()) -> Self:
        """The job as shown. Its error may quote a vendor or a driver, so it is redacted
        on the way out, whoever asks and however it was recorded."""
        return cls.model_validate(_fields(job, secrets))


class JobDetailOut(JobOut):
    """A job with the range it backfills (the CLI's ``jobs list`` and ``jobs show``)."""

    #: ISO dates or instants, as the job was given them; null: the default range (a
    #: day file job: its session, start = end).
    start: str | None
    end: str | None


class QueuedJobOut(BaseModel):
    """What ``backfill --enqueue`` says of each job it queued."""

    id: str
    symbols: list[str]
    kind: Literal["backfill", "day_file"] = "backfill"
    #: A day file job's session and timeframe (null for a backfill).
    day: str | None = None
    timeframe: str | None = None

    @classmethod
    def of(cls, job: Job) -> QueuedJobOut:
        spec = job.spec
        day_file = spec.kind is JobKind.DAY_FILE
        return cls(
            id=job.id,
            symbols=list(spec.symbols),
            kind=spec.kind.value,
            day=spec.start.isoformat() if day_file and spec.start is not None else None,
            timeframe=None if spec.timeframe is None else spec.timeframe.value,
        )


class JobsPage(BaseModel):
    """Newest first."""

    jobs: list[JobOut]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    unreadable: list[str] = Field(
        default_factory=list,
        description="ids of job records the queue cannot read (malformed by hand or by "
        "another version): left out of `jobs`, on every page",
    )


def _fields(job: Job, secrets: Iterable[str]) -> dict[str, object]:
    """Every field a view of a job may show (each model keeps its own)."""
    spec = job.spec
    return {
        "id": job.id,
        "state": job.state.value,
        "symbols": list(spec.symbols),
        "start": None if spec.start is None else spec.start.isoformat(),
        "end": None if spec.end is None else spec.end.isoformat(),
        "kind": spec.kind.value,
        "timeframe": None if spec.timeframe is None else spec.timeframe.value,
        "done": job.done,
        "total": job.total,
        "counts": job.counts,
        "error": None if job.error is None else redact(job.error, secrets),
        "worker": job.worker,
        "attempts": job.attempts,
    }
