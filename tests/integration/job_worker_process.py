"""A backfill worker in a process of its own, for the job-queue fault test.

    python -m tests.integration.job_worker_process REDIS_URL PREFIX PG_URL NAME [options]

It consumes the Redis job stream until SIGTERM, running each job as a real backfill
of 1m regular-hours bars from the synthetic source into PostgreSQL, slowed down so
that a test can kill it in the middle of a job.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence

from chronox_adapters.calendars import load_calendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.redis.jobs import RedisWorker
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import SessionKind, Timeframe
from chronox_domain.jobs import JobRunner, JobSpec
from chronox_domain.services import IngestionService, IngestRequest
from tests.conftest import NOW, Stack, hermetic_settings


class _Stopped(Exception):
    """The job was cancelled: leave the ingest at the request boundary."""


def backfill_runner(ingestion: IngestionService, pause: float = 0.0) -> JobRunner:
    """Jobs as backfills of 1m RTH bars; ``pause`` seconds after each vendor request."""

    def run(
        spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
    ) -> dict[str, int]:
        def after_request(done: int, total: int) -> None:
            progress(done, total)
            if cancelled():
                raise _Stopped
            time.sleep(pause)

        request = IngestRequest(spec.symbols, Timeframe.M1, SessionKind.RTH, spec.start, spec.end)
        try:
            report = ingestion.ingest(request, after_request)
        except _Stopped:
            return {}
        return {
            "bars_written": report.bars_written,
            "windows_fetched": report.windows_fetched,
            "windows_empty": report.windows_empty,
            "bars_rejected": report.bars_rejected,
            "requests": report.requests,
        }

    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("redis_url")
    parser.add_argument("prefix")
    parser.add_argument("pg_url")
    parser.add_argument("name")
    parser.add_argument("--max-bars", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--visibility", type=float, default=2.0)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {args.name} %(levelname)s %(message)s"
    )

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    calendar = load_calendar()
    # The application on the test's PostgreSQL store (migrated by the test), the
    # synthetic source in small requests; the job runner and the worker are this file's.
    stack = Stack(calendar, FixedClock(NOW))
    settings = hermetic_settings(store=args.pg_url, auto_migrate=False, pg_pool_size=2)
    app = stack(settings, source=SyntheticSource(calendar, max_bars=args.max_bars))
    ingestion = app.ingestion()
    worker = RedisWorker(
        args.redis_url,
        backfill_runner(ingestion, args.pause),
        prefix=args.prefix,
        name=args.name,
        visibility_timeout=args.visibility,
        block_ms=200,
    )
    try:
        worker.run(stop)
    finally:
        worker.close()
        stack.close()


if __name__ == "__main__":
    main()
