"""A backfill job's counts are what it did: visible while it runs, kept when it is
cancelled, and named as the ingestion report names its counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.memory.jobs import InProcessJobQueue
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import SessionKind, SymbolEntry, Timeframe
from chronox_domain.jobs import JobProgress, JobSpec, JobState
from chronox_domain.services.ingestion import IngestReport
from chronox_domain.services.jobs import backfill_runner
from tests.conftest import Stack

#: Three sessions of 1m RTH bars, 30 bars a request: 39 requests.
SPEC = JobSpec(("SPY",), date(2024, 3, 4), date(2024, 3, 6))


def test_a_backfill_job_counts_as_it_runs_and_keeps_its_counts_when_cancelled(
    calendar: ExchangeCalendar, stack: Stack
) -> None:
    app = stack(source=SyntheticSource(calendar, max_bars=30))
    app.registry().put(SymbolEntry("SPY", (Timeframe.M1,), SessionKind.RTH))
    backfill = backfill_runner(app.pipeline())
    seen: list[dict[str, int]] = []

    def watched(
        spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]
    ) -> dict[str, int]:
        def after_request(done: int, total: int, counts: Mapping[str, int] | None = None) -> None:
            progress(done, total, counts)
            job = queue.jobs()[0]
            seen.append(job.counts)
            if done == 5:
                queue.cancel(job.id)

        return backfill(spec, after_request, cancelled)

    queue = InProcessJobQueue(watched, workers=1)
    try:
        job = queue.submit(SPEC)
        ended = queue.wait(job.id, 10)
    finally:
        queue.close()

    # While it ran: one request more each time, and the bars so far.
    assert [counts["requests"] for counts in seen] == [1, 2, 3, 4, 5]
    written = [counts["bars_written"] for counts in seen]
    assert written == sorted(written) and 0 < written[0] < written[-1]
    # Cancelled at 5 of 39: the five requests' bars are stored, and the job says so.
    assert (ended.state, ended.done, ended.total) == (JobState.CANCELLED, 5, 39)
    stored = app.repository().counts()["bars"]  # type: ignore[attr-defined]
    assert ended.counts["bars_written"] == stored == written[-1]
    assert ended.counts["requests"] == 5


def test_a_finished_backfill_job_counts_every_counter_of_the_report(
    calendar: ExchangeCalendar, stack: Stack
) -> None:
    app = stack(source=SyntheticSource(calendar, max_bars=390))
    app.registry().put(SymbolEntry("SPY", (Timeframe.M1,), SessionKind.RTH))
    queue = InProcessJobQueue(backfill_runner(app.pipeline()), workers=1)
    try:
        done = queue.wait(queue.submit(SPEC).id, 10)
    finally:
        queue.close()
    assert done.state is JobState.SUCCEEDED
    counters = [f.name for f in fields(IngestReport) if f.type == "int"]
    assert list(done.counts) == counters
    stored = app.repository().counts()["bars"]  # type: ignore[attr-defined]
    assert (done.counts["bars_written"], done.counts["requests"]) == (stored, 3)
