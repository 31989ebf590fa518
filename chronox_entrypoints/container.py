"""The composition root: the one place that knows which adapter serves which port.

Nothing connects at import time: the store, the event publisher and the job queue are
``providers.Resource``s, opened on first use by the command that needs them and closed by
``shutdown_resources()`` when it ends.

Threads share one container in the API (its thread pool) and the in-process job queue:
the singletons are thread-safe, and ``open_shared`` opens the resources under a lock.
dependency-injector's ``Resource`` is not thread-safe: two requests opening the store at
once would each open one, and the loser's would be closed under the winner's feet.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from dependency_injector import containers, providers

from chronox_adapters.calendars import load_calendar
from chronox_adapters.clock import SystemClock
from chronox_adapters.prometheus import PrometheusMetrics
from chronox_domain.services import (
    BackfillOrchestrator,
    CoverageService,
    IngestionService,
    Pipeline,
    RegistryService,
)
from chronox_domain.services.bars import BarsService
from chronox_domain.services.jobs import JobService, backfill_runner
from chronox_domain.services.live import UnifiedDaemon
from chronox_domain.services.pipeline import Mode
from chronox_entrypoints.events import (
    make_feed,
    make_request_limiter,
    make_subscriber,
    make_worker,
    open_job_queue,
    open_publisher,
)
from chronox_entrypoints.settings import Settings
from chronox_entrypoints.sources import make_live_source, make_source, make_splits
from chronox_entrypoints.stores import open_store


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.ThreadSafeSingleton(SystemClock)
    #: This process's counters; ``GET /metrics`` exports them.
    metrics = providers.ThreadSafeSingleton(PrometheusMetrics)
    calendar = providers.ThreadSafeSingleton(
        load_calendar,
        code=settings.provided.calendar,
        first=settings.provided.calendar_start,
        last=settings.provided.calendar_end,
    )
    store = providers.Resource(open_store, settings=settings)
    repository = store.provided.repository
    registry = store.provided.registry
    publisher = providers.Resource(open_publisher, settings=settings)
    subscriber = providers.ThreadSafeSingleton(make_subscriber, settings=settings)
    feed = providers.ThreadSafeSingleton(make_feed, settings=settings, publisher=publisher)
    limiter = providers.ThreadSafeSingleton(make_request_limiter, settings=settings)
    source = providers.ThreadSafeSingleton(
        make_source, settings=settings, calendar=calendar, limiter=limiter, metrics=metrics
    )
    live_source = providers.ThreadSafeSingleton(
        make_live_source, settings=settings, calendar=calendar
    )
    splits = providers.ThreadSafeSingleton(make_splits, source=source, repository=repository)

    coverage = providers.Factory(
        CoverageService,
        repository=repository,
        calendar=calendar,
        clock=clock,
        settle_delay=settings.provided.settle_delay,
        recheck_delay=settings.provided.recheck_delay,
    )
    bars = providers.Factory(
        BarsService,
        repository=repository,
        calendar=calendar,
        clock=clock,
        rollups=store.provided.rollups,
    )
    ingestion = providers.Factory(
        IngestionService,
        repository=repository,
        source=source,
        coverage=coverage,
        publisher=publisher,
        metrics=metrics,
    )
    backfill = providers.Factory(
        BackfillOrchestrator, registry=registry, ingestion=ingestion, splits=splits
    )
    registry_service = providers.Factory(RegistryService, registry=registry)

    daemon = providers.Factory(
        UnifiedDaemon,
        registry=registry,
        repository=repository,
        live=live_source,
        backfill=backfill,
        publisher=publisher,
        clock=clock,
        backfill_every=providers.Callable(
            lambda seconds: timedelta(seconds=seconds), settings.provided.backfill_every_seconds
        ),
        lookback=providers.Callable(
            lambda days: timedelta(days=days), settings.provided.live_lookback_days
        ),
    )

    pipeline = providers.Factory(
        Pipeline,
        mode=providers.Callable(Mode.parse, settings.provided.mode),
        backfill=backfill,
        daemon=daemon,
    )

    job_runner = providers.ThreadSafeSingleton(backfill_runner, pipeline=pipeline)
    job_queue = providers.Resource(open_job_queue, settings=settings, runner=job_runner)
    jobs = providers.Factory(JobService, queue=job_queue, registry=registry)
    worker = providers.Factory(make_worker, settings=settings, runner=job_runner)


_opening = threading.Lock()


def open_shared(container: Container) -> None:
    """Open the resources that concurrent callers share (store, publisher, job queue),
    one caller at a time; cheap once they are open."""
    with _opening:
        container.store()
        container.publisher()
        container.job_queue()
