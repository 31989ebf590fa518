"""Backfill as jobs: split, queue, run anywhere, follow by id, cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chronox_domain.errors import ChronoxError, InvalidInput
from chronox_domain.jobs import Bound, Job, JobRunner, JobSpec, split_into_jobs
from chronox_domain.ports import Clock, JobQueue, SymbolRegistry, TradingCalendar
from chronox_domain.ranges import resolve_range
from chronox_domain.services.pipeline import Pipeline
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe


class JobCancelled(ChronoxError):
    """Raised inside a running job when it was cancelled (at its next request)."""

    code = "job_cancelled"


class JobService:
    def __init__(
        self,
        queue: JobQueue,
        registry: SymbolRegistry,
        calendar: TradingCalendar,
        clock: Clock,
    ) -> None:
        self._queue = queue
        self._registry = registry
        self._calendar = calendar
        self._clock = clock

    def enqueue_backfill(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        most: int | None = None,
    ) -> list[Job]:
        """One job per symbol (all active registry symbols when none are named).

        Checked before anything is queued, so a bad request is refused now rather than
        failing as a job later: at most ``most`` named symbols (an interface's limit per
        request; the registry's own symbols are not capped, the registry being the
        operator's list), and a range the calendar can hold.
        """
        if most is not None and len(symbols) > most:
            raise InvalidInput(f"{len(symbols)} symbols in one backfill; at most {most} at once")
        if start is not None or end is not None:
            # Extended hours: the widest a symbol's sessions can be, so that no range a
            # symbol could use is refused.
            resolve_range(
                self._calendar, SessionKind.ETH, Timeframe.M1, start, end, self._clock.now()
            )
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
