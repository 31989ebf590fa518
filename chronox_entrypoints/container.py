"""The composition root: the one place that knows which adapter serves which port.

One container, in sections by concern: core (settings, clock, calendar, metrics),
gateways (the adapters: store, sources, events, jobs, each picked by a ``Selector`` over
typed settings), services (the domain's use cases) and runtime (what runs beside a
command: the job queue, workers). The
opening code of each adapter family lives in ``stores.py``, ``sources.py`` and
``events.py``, which import a family only when it is opened; and each domain service
is named by its module (``_service``), imported when its provider first builds one: a
command pays for the families and the services it uses and no other.

One container per process: the CLI's ``main()`` builds it, ``create_app()`` takes one,
tests build one with :func:`bootstrap` and override what they fake.

Nothing connects at import time: the store, the event publisher and the job queue are
``providers.Resource``s, opened on first use and closed by ``shutdown_resources()``.
Threads share one container in the API (its thread pool) and the in-process job queue:
the singletons are thread-safe, and ``open_shared`` opens the resources under a lock.
dependency-injector's ``Resource`` is not thread-safe: two requests opening the store at
once would each open one, and the loser's would be closed under the winner's feet.
"""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers

from chronox_adapters.calendars import load_calendar
from chronox_adapters.clock import SystemClock
from chronox_entrypoints import datasets, events, sources, stores
from chronox_entrypoints.settings import Settings


class _Lazy:
    """A class or function named ``module:name``, imported when a provider first builds
    with it: a command imports the services it uses and no other (``gaps`` and ``info``
    need the coverage, not the ingestion, export, flat-files, jobs or daemon modules: a
    fifth of the CLI's start-up over its libraries). tests/unit/test_container_lazy.py
    resolves every one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._target: Any = None

    def resolve(self) -> Any:
        if self._target is None:
            module, name = self.path.split(":")
            self._target = getattr(importlib.import_module(module), name)
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Lazy:
        return self  # as a class would be: each container copies its providers, not this

    def __repr__(self) -> str:
        return f"_Lazy({self.path!r})"


def _service(path: str) -> _Lazy:
    """``_service("gaps:GapsService")``: a name in a module of chronox_domain.services."""
    return _Lazy(f"chronox_domain.services.{path}")


def _metrics() -> Any:
    from chronox_adapters.prometheus import PrometheusMetrics  # prometheus_client: lazily

    return PrometheusMetrics()


class Container(containers.DeclarativeContainer):
    """The whole application: ``Container(settings=Settings(...))``. One flat container:
    dependency-injector copies every provider of a nested container when the outer one is
    declared and again when it is made, which cost each command about 10 ms."""

    # -- Core: what every other part reads: settings, time, the calendar, the counters.
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.ThreadSafeSingleton(SystemClock)
    #: This process's counters; ``GET /metrics`` exports them.
    metrics = providers.ThreadSafeSingleton(_metrics)
    calendar = providers.ThreadSafeSingleton(
        load_calendar,
        code=settings.provided.calendar,
        first=settings.provided.calendar_start,
        last=settings.provided.calendar_end,
    )

    # -- Gateways: the adapters behind the ports, each picked from settings.
    store = providers.Selector(
        settings.provided.store_kind,
        sqlite=providers.Resource(stores.open_sqlite_store, settings=settings),
        postgresql=providers.Resource(stores.open_postgres_store, settings=settings),
        memory=providers.Resource(stores.open_memory_store, settings=settings),
    )
    repository = store.provided.repository
    registry = store.provided.registry
    rollups = store.provided.rollups
    #: The corporate actions as last fetched, beside the bars in the same store.
    action_store = store.provided.actions
    #: The split-adjusted bars a previous release stored (chronox_domain/legacy.py).
    legacy_bars = store.provided.legacy

    publisher = providers.Selector(
        settings.provided.transport,
        redis=providers.Resource(events.redis_publisher, settings=settings),
        **{"in-process": providers.Resource(events.in_process_bus)},
    )
    subscriber = providers.Selector(
        settings.provided.transport,
        redis=providers.ThreadSafeSingleton(events.redis_subscriber, settings=settings),
        **{"in-process": providers.Callable(events.no_subscriber)},
    )
    #: What the API relays over WebSocket: Redis (bars stored by any process), or the
    #: in-process bus this process's own ingestions publish to.
    feed = providers.Selector(
        settings.provided.transport,
        redis=subscriber,
        **{"in-process": publisher},
    )
    limiter = providers.Selector(
        settings.provided.transport,
        redis=providers.ThreadSafeSingleton(events.redis_request_limiter, settings=settings),
        **{
            "in-process": providers.ThreadSafeSingleton(
                events.in_process_request_limiter, settings=settings
            )
        },
    )

    source = providers.Selector(
        settings.provided.source_name,
        synthetic=providers.ThreadSafeSingleton(
            sources.synthetic_source, settings=settings, calendar=calendar
        ),
        files=providers.ThreadSafeSingleton(sources.files_source, settings=settings),
        polygon=providers.ThreadSafeSingleton(
            sources.polygon_source, settings=settings, limiter=limiter, metrics=metrics
        ),
        flatfiles=providers.Callable(sources.no_bar_source),
    )
    #: The vendor's day files (flat files), read by day across symbols.
    day_files = providers.ThreadSafeSingleton(sources.flatfiles_source, settings=settings)
    #: The vendor's corporate actions, through the bars' REST source (its limiter and
    #: retries); the synthetic and files sources have none.
    action_source = providers.Selector(
        settings.provided.source_name,
        polygon=providers.ThreadSafeSingleton(sources.polygon_actions, source=source),
        synthetic=providers.Object(None),
        files=providers.Object(None),
        flatfiles=providers.Object(None),
    )
    synthetic_live = providers.ThreadSafeSingleton(
        sources.synthetic_live_source, settings=settings, calendar=calendar
    )
    #: The vendor's feed with a key (or when asked), else synthetic demo minutes.
    live_source = providers.Selector(
        settings.provided.source_name,
        polygon=providers.ThreadSafeSingleton(sources.polygon_live_source, settings=settings),
        synthetic=synthetic_live,
        files=synthetic_live,
        flatfiles=synthetic_live,
    )

    # -- Services: the domain's use cases over the gateways.
    #: When each symbol traded, from its stored corporate actions: the coverage clips
    #: the sessions before a listing and from a delisting (none known: every session).
    listings = providers.Factory(
        _Lazy("chronox_domain.listing:StoredListings"),
        actions=action_store,
        registry=registry,
    )
    coverage = providers.Factory(
        _service("coverage:CoverageService"),
        repository=repository,
        calendar=calendar,
        clock=clock,
        settle_delay=settings.provided.settle_delay,
        recheck_delay=settings.provided.recheck_delay,
        listings=listings,
    )
    gaps = providers.Factory(_service("gaps:GapsService"), coverage=coverage)
    #: The registry x sessions coverage matrix (the dashboard's universe view).
    coverage_matrix = providers.Factory(
        _service("matrix:CoverageMatrixService"),
        repository=repository,
        registry=registry,
        calendar=calendar,
        clock=clock,
        listings=listings,
    )
    sessions = providers.Factory(
        _service("calendar:CalendarService"), calendar=calendar, clock=clock
    )
    #: Puts a symbol's split-adjusted bars of a previous release on the traded basis,
    #: before its first read or once its actions are stored.
    legacy = providers.Factory(
        _service("legacy:LegacyRebase"),
        legacy=legacy_bars,
        actions=action_store,
        timezone=calendar.provided.timezone,
    )
    bars = providers.Factory(
        _service("bars:BarsService"),
        repository=repository,
        calendar=calendar,
        clock=clock,
        rollups=rollups,
        #: Reads adjust the stored (as traded) bars with the symbol's stored actions.
        actions=action_store,
        legacy=legacy,
    )
    #: Stored bars to a dataset of files (``container.export().export(dataset, ...)``).
    export = providers.Factory(
        _service("export:ExportService"),
        bars=bars,
        repository=repository,
        calendar=calendar,
        actions=action_store,
    )
    #: A dataset of bar files in a directory, on a price basis: ``container.dataset(path,
    #: basis)``.
    dataset = providers.Factory(datasets.parquet_dataset)
    actions = providers.Factory(
        _service("actions:ActionsService"),
        source=action_source,
        store=action_store,
        clock=clock,
        registry=registry,
        legacy=legacy,
    )
    ingestion = providers.Factory(
        _service("ingestion:IngestionService"),
        repository=repository,
        source=source,
        coverage=coverage,
        publisher=publisher,
        metrics=metrics,
        #: Keeps the symbols' corporate actions current before planning (none without
        #: a vendor source: its ``has_source`` is False, nothing is asked).
        actions=actions,
    )
    backfill = providers.Factory(
        _service("backfill:BackfillOrchestrator"), registry=registry, ingestion=ingestion
    )
    #: Whole-market ingest from the vendor's day files, planned by day across symbols.
    flatfiles = providers.Factory(
        _service("flatfiles:FlatFilesService"),
        repository=repository,
        files=day_files,
        coverage=coverage,
        calendar=calendar,
    )
    #: ``ingest --all -t 1d --source polygon``: the vendor's grouped daily endpoint, one
    #: request per session for the whole market (the source must be polygon's REST).
    grouped_daily = providers.Factory(
        _service("grouped:GroupedDailyService"),
        repository=repository,
        source=source,
        coverage=coverage,
        calendar=calendar,
    )
    registry_service = providers.Factory(_service("registry:RegistryService"), registry=registry)
    daemon = providers.Factory(
        _service("live:UnifiedDaemon"),
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
        _service("pipeline:Pipeline"),
        mode=providers.Callable(_service("pipeline:Mode"), settings.provided.mode),
        backfill=backfill,
        daemon=daemon,
    )

    # -- Runtime: what runs beside a command: backfill jobs (in this process, or over
    # Redis) and the workers that take them.
    # The flat-files service as a provider: built only when a day file job arrives.
    job_runner = providers.ThreadSafeSingleton(
        _service("jobs:runner_by_kind"),
        pipeline=pipeline,
        flatfiles=flatfiles.provider,
        registry=registry,
    )
    job_queue = providers.Selector(
        settings.provided.transport,
        redis=providers.Resource(events.redis_job_queue, settings=settings),
        **{
            "in-process": providers.Resource(
                events.in_process_job_queue, settings=settings, runner=job_runner
            )
        },
    )
    jobs = providers.Factory(
        _service("jobs:JobService"),
        queue=job_queue,
        registry=registry,
        calendar=calendar,
        clock=clock,
    )
    worker = providers.Selector(
        settings.provided.transport,
        redis=providers.Factory(events.redis_worker, settings=settings, runner=job_runner),
        **{"in-process": providers.Factory(events.no_worker)},
    )


def bootstrap(settings: Settings | None = None, **fakes: Any) -> Container:
    """A container for tests and notebooks: the embedded memory store by default, and
    any provider replaced by an object (``bootstrap(source=MemorySource(bars))``)."""
    container = Container(settings=settings or Settings.model_validate({"store": "memory://"}))
    for name, fake in fakes.items():
        getattr(container, name).override(providers.Object(fake))
    return container


_opening = threading.Lock()


def open_shared(container: Container) -> None:
    """Open the resources that concurrent callers share (store, publisher, job queue),
    one caller at a time; cheap once they are open."""
    with _opening:
        container.store()
        container.publisher()
        container.job_queue()
