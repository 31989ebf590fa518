"""Backfill as jobs: split, queue, run anywhere, follow by id, cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chronox_domain.errors import ChronoxError
from chronox_domain.jobs import Bound, Job, JobRunner, JobSpec, split_into_jobs
from chronox_domain.ports import JobQueue, SymbolRegistry
from chronox_domain.services.pipeline import Pipeline


class JobCancelled(ChronoxError):
    """Raised inside a running job when it was cancelled (at its next request)."""

    code = "job_cancelled"


class JobService:
    def __init__(self, queue: JobQueue, registry: SymbolRegistry) -> None:
        self._queue = queue
        self._registry = registry

    def enqueue_backfill(
        self, symbols: Sequence[str] = (), start: Bound | None = None, end: Bound | None = None
    ) -> list[Job]:
        """One job per symbol (all active registry symbols when none are named)."""
        names = list(symbols) or [e.symbol for e in self._registry.entries(active_only=True)]
        return [self._queue.submit(spec) for spec in split_into_jobs(names, start, end)]

    def get(self, job_id: str) -> Job:
        return self._queue.get(job_id)

    def jobs(self) -> list[Job]:
        return self._queue.jobs()

    def cancel(self, job_id: str) -> Job:
        return self._queue.cancel(job_id)


def backfill_runner(pipeline: Pipeline) -> JobRunner:
    """What a worker does with a job: the same backfill the CLI runs, with progress."""

    def run(
        spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
    ) -> dict[str, int]:
        def report(done: int, total: int) -> None:
            progress(done, total)
            if cancelled():
                raise JobCancelled("cancelled")  # after a committed request: nothing half-done

        result = pipeline.backfill(spec.symbols, spec.start, spec.end, report).total
        return {
            "bars_written": result.bars_written,
            "windows_fetched": result.windows_fetched,
            "windows_empty": result.windows_empty,
            "windows_unconfirmed": result.windows_unconfirmed,
            "windows_rechecked": result.windows_rechecked,
            "windows_refused": result.windows_refused,
            "bars_rejected": result.bars_rejected,
            "requests": result.requests,
        }

    return run
