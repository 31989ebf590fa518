"""Backfill as jobs (one per symbol, or one per day file): split, queue, run anywhere,
follow by id, cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chronox_domain.errors import ChronoxError, InvalidInput, NotRegistered
from chronox_domain.jobs import (
    Bound,
    Job,
    JobKind,
    JobListing,
    JobProgress,
    JobRunner,
    JobSpec,
    split_into_jobs,
)
from chronox_domain.ports import Clock, JobQueue, SymbolRegistry, TradingCalendar
from chronox_domain.ranges import resolve_range
from chronox_domain.services.flatfiles import FlatFilesReport, FlatFilesRequest, FlatFilesService
from chronox_domain.services.ingestion import IngestReport
from chronox_domain.services.pipeline import Pipeline
from chronox_domain.session import SessionKind, slot_window
from chronox_domain.symbol import parse_symbol
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
        operator's list), each one in the registry (``NotRegistered``, naming every
        missing one in symbol order, as the CLI's backfill refuses them), and a range the calendar
        can hold.
        """
        if most is not None and len(symbols) > most:
            raise InvalidInput(f"{len(symbols)} symbols in one backfill; at most {most} at once")
        if start is not None or end is not None:
            # Extended hours: the widest a symbol's sessions can be, so that no range a
            # symbol could use is refused.
            resolve_range(
                self._calendar, SessionKind.ETH, Timeframe.M1, start, end, self._clock.now()
            )
        names = sorted({parse_symbol(s) for s in symbols})
        if missing := [name for name in names if self._registry.get(name) is None]:
            raise NotRegistered(*missing)
        names = list(symbols) or [e.symbol for e in self._registry.entries(active_only=True)]
        return [self._queue.submit(spec) for spec in split_into_jobs(names, start, end)]

    def enqueue_day_files(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        most: int | None = None,
    ) -> list[Job]:
        """One day file job per session of the range and timeframe of the symbols (every
        active registry symbol when none are named), so that N workers read N days at
        once. A session whose extended hours have not ended yet has no file: not queued.

        Checked before anything is queued, as :meth:`enqueue_backfill` checks. Jobs for
        the registry name no symbol: they read the registry when they run. A day whose
        file did not change is not downloaded again (the job asks for its ETag only)."""
        if most is not None and len(symbols) > most:
            raise InvalidInput(f"{len(symbols)} symbols in one backfill; at most {most} at once")
        names = sorted({parse_symbol(s) for s in symbols})
        entries = [self._registry.get(name) for name in names]
        if missing := [name for name, entry in zip(names, entries, strict=True) if not entry]:
            raise NotRegistered(*missing)
        chosen = [e for e in entries if e] if names else self._registry.entries(active_only=True)
        by_timeframe: dict[Timeframe, list[str]] = {}
        for entry in chosen:
            for timeframe in entry.timeframes:
                by_timeframe.setdefault(timeframe, []).append(entry.symbol)
        now = self._clock.now()
        specs = []
        for timeframe in sorted(by_timeframe, key=lambda t: t.seconds):
            resolved = resolve_range(self._calendar, SessionKind.ETH, timeframe, start, end, now)
            named = by_timeframe[timeframe] if names else ()
            specs += [
                JobSpec.day_file(session.date, timeframe, named)
                for session in resolved.sessions
                if slot_window(session, timeframe).end <= now
            ]
        return [self._queue.submit(spec) for spec in specs]

    def get(self, job_id: str) -> Job:
        return self._queue.get(job_id)

    def jobs(self) -> list[Job]:
        return self._queue.jobs()

    def listing(self) -> JobListing:
        """The jobs, and the ids of the records the queue could not read."""
        return self._queue.listing()

    def cancel(self, job_id: str) -> Job:
        return self._queue.cancel(job_id)


def backfill_runner(pipeline: Pipeline) -> JobRunner:
    """What a worker does with a job: the same backfill the CLI runs, reporting its
    progress and its counts so far after each request (so that a job cancelled or
    failed midway still says what it did)."""

    def run(spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]) -> dict[str, int]:
        so_far = IngestReport(source="", demo=False)  # only its counters are read

        def report(done: int, total: int) -> None:
            progress(done, total, so_far.counters())
            if cancelled():
                raise JobCancelled("cancelled")  # after a committed request: nothing half-done

        result = pipeline.backfill(spec.symbols, spec.start, spec.end, report, so_far.add)
        return result.total.counters()

    return run


def day_file_runner(
    flatfiles: Callable[[], FlatFilesService], registry: SymbolRegistry
) -> JobRunner:
    """What a worker does with a day file job: that one session's file, read for the
    job's symbols (or the active registry symbols of its timeframe), by the service
    ``ingest --source flatfiles`` runs. Its counts are the run's report; a day whose
    file is not there is counted (``days_missing``) and stays a gap, as in the CLI.
    ``flatfiles`` is called only when such a job arrives: a worker that never gets one
    needs no flat-files settings."""

    def run(spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]) -> dict[str, int]:
        timeframe = spec.timeframe
        if timeframe is None:  # JobSpec refuses it: never guess one
            raise InvalidInput("a day file job names no timeframe")
        symbols = spec.symbols or tuple(
            e.symbol for e in registry.entries(active_only=True) if timeframe in e.timeframes
        )
        if not symbols:
            return FlatFilesReport(source="").counters()
        request = FlatFilesRequest(symbols, timeframe, spec.start, spec.end)
        report = flatfiles().ingest(request, lambda done, total: progress(done, total))
        return report.counters()

    return run


def runner_by_kind(
    pipeline: Pipeline, flatfiles: Callable[[], FlatFilesService], registry: SymbolRegistry
) -> JobRunner:
    """Every kind of job: a backfill by :func:`backfill_runner`, a day file by
    :func:`day_file_runner`."""
    runners = {
        JobKind.BACKFILL: backfill_runner(pipeline),
        JobKind.DAY_FILE: day_file_runner(flatfiles, registry),
    }

    def run(spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]) -> dict[str, int]:
        return runners[spec.kind](spec, progress, cancelled)

    return run
