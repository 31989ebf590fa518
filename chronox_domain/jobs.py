"""Backfill jobs: the unit of work a job queue hands to a worker."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: JobState
    symbols: tuple[str, ...]
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
