"""Live fan-out and scale-out, on loopback:

* latency from a bar leaving the Polygon stub's WebSocket to a Redis subscriber
  receiving it, through the live source, the store (SQLite) and the publisher;
* a backfill of symbol-months from the stub with 1 worker against 3 worker processes
  sharing a Redis Streams consumer group.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.timing import Figure, seconds
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRegistry
from chronox_adapters.polygon import PolygonConfig, PolygonLiveSource, PolygonRestSource
from chronox_adapters.redis import RedisPublisher, RedisSubscriber
from chronox_adapters.redis.jobs import RedisJobQueue
from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository
from chronox_domain import Bar, SessionKind, SymbolEntry, Timeframe
from chronox_domain.jobs import JobState, split_into_jobs
from chronox_domain.ports import TradingCalendar
from chronox_domain.services import (
    BackfillOrchestrator,
    CoverageService,
    IngestionService,
)
from chronox_domain.services.live import UnifiedDaemon
from tests.polygon_stub import PolygonStub

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("CHRONOX_BENCH_REDIS", "redis://127.0.0.1:6379/0")
LATENCY_TARGET_P99 = 0.020


def latency(calendar: TradingCalendar, bars: int) -> Figure:
    prefix = f"chronox-bench-{uuid.uuid4().hex[:8]}:"
    start = datetime(2024, 1, 2, 9, tzinfo=UTC)
    with PolygonStub(api_key="bench") as stub, tempfile.TemporaryDirectory() as tmp:
        database = SqliteDatabase(str(Path(tmp) / "live.sqlite3"))
        repository = SqliteRepository(database)
        registry = MemoryRegistry()
        registry.put(SymbolEntry("SPY", (Timeframe.M1,), SessionKind.RTH))
        config = PolygonConfig(api_key="bench", base_url=stub.base_url, ws_host=stub.ws_host,
                               ws_secure=False)  # fmt: skip
        clock = FixedClock(start)
        coverage = CoverageService(repository, calendar, clock, timedelta(hours=1))
        ingestion = IngestionService(repository, PolygonRestSource(config), coverage)
        publisher = RedisPublisher(REDIS, prefix=prefix)
        daemon = UnifiedDaemon(
            registry,
            repository,
            PolygonLiveSource(config),
            BackfillOrchestrator(registry, ingestion),
            publisher,
            clock,
            backfill_every=timedelta(hours=1),
        )
        sent: dict[datetime, float] = {}
        received: dict[datetime, float] = {}
        minutes = [
            Bar("SPY", Timeframe.M1, start + timedelta(minutes=i), 10.0, 10.5, 9.5, 10.2, 100.0)
            for i in range(bars)
        ]

        async def scenario() -> None:
            stop = asyncio.Event()
            runner = asyncio.create_task(daemon.run(stop))
            subscription = RedisSubscriber(REDIS, prefix=prefix).subscribe(["SPY"], Timeframe.M1)
            listener = asyncio.create_task(_listen(subscription, received, bars))
            await asyncio.to_thread(stub.live.wait_for_subscribers, 1, 10.0, "AM.SPY")
            await asyncio.sleep(0.5)  # the Redis subscription settles

            def feed() -> None:
                for bar in minutes:
                    sent[bar.start] = time.perf_counter()
                    stub.live.emit([bar])
                    time.sleep(0.001)

            await asyncio.to_thread(feed)
            try:
                await asyncio.wait_for(listener, timeout=60)
            finally:
                stop.set()
                await asyncio.wait_for(runner, 20)

        asyncio.run(scenario())
        publisher.close()
        database.close()
        _forget(prefix)
    delays = sorted(received[key] - sent[key] for key in received if key in sent)
    p50 = statistics.median(delays)
    p99 = delays[max(0, int(len(delays) * 0.99) - 1)]
    return Figure(
        benchmark="fanout-latency",
        what=f"{len(delays):,} bars: stub WebSocket -> live source -> SQLite -> Redis "
        "-> subscriber",
        baseline="(none: absolute latency)",
        chronox=f"p50 {seconds(p50)}, p99 {seconds(p99)}, max {seconds(delays[-1])}",
        ratio=p99 / LATENCY_TARGET_P99,
        ratio_label="of the p99 target",
        target=f"p99 < {seconds(LATENCY_TARGET_P99)}",
        met=p99 < LATENCY_TARGET_P99 and len(delays) == bars,
        data={"p50_s": p50, "p99_s": p99, "received": len(delays), "sent": bars},
    )


async def _listen(subscription, received: dict[datetime, float], count: int) -> None:  # type: ignore[no-untyped-def]
    async for event in subscription:
        received.setdefault(event.bar.start, time.perf_counter())
        if len(received) >= count:
            break
    await subscription.aclose()


def _forget(prefix: str) -> None:
    """Remove the benchmark's keys from the shared Redis."""
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def workers(calendar: TradingCalendar, symbols: int) -> Figure:
    """``symbols`` symbol-months (March 2024, 1m RTH) with 1 worker, then with 3."""
    runs = {count: _backfill_with(count, symbols) for count in (1, 3)}
    (one, one_requests, planned), (three, three_requests, _) = runs[1], runs[3]
    return Figure(
        benchmark="fanout-workers",
        what=f"backfill of {symbols} symbol-months from the stub, worker processes sharing "
        "a Redis Streams group (2 cores here)",
        baseline=f"1 worker: {seconds(one)}, {one_requests} requests",
        chronox=f"3 workers: {seconds(three)}, {three_requests} requests (plan: {planned})",
        ratio=one / three,
        ratio_label="faster with 3",
        target="requests = plan",
        met=one_requests == three_requests == planned,
        data={"one_s": one, "three_s": three, "planned": planned},
    )


def _backfill_with(count: int, symbols: int) -> tuple[float, int, int]:
    prefix = f"chronox-bench-{uuid.uuid4().hex[:8]}:"
    names = [f"S{i:03d}" for i in range(symbols)]
    with PolygonStub(api_key="bench") as stub, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "workers.sqlite3"
        store = f"sqlite:///{path}"
        database = SqliteDatabase(str(path))
        for name in names:  # jobs backfill registry symbols
            SqliteRegistry(database).put(SymbolEntry(name, (Timeframe.M1,), SessionKind.RTH))
        database.close()
        env = {
            **os.environ,
            "CHRONOX_STORE": store,
            "CHRONOX_REDIS_URL": REDIS,
            "CHRONOX_REDIS_PREFIX": prefix,
            "POLYGON_API_KEY": "bench",
            "CHRONOX_POLYGON_BASE_URL": stub.base_url,
            "PYTHONPATH": str(ROOT),
        }
        queue = RedisJobQueue(REDIS, prefix=prefix)
        jobs = [
            queue.submit(spec)
            for spec in split_into_jobs(names, date(2024, 3, 1), date(2024, 3, 28))
        ]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "chronox_entrypoints.cli.main", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                states = [queue.get(job.id).state for job in jobs]
                if all(state.finished for state in states):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            failed = [queue.get(job.id) for job in jobs]
            failed = [job for job in failed if job.state is not JobState.SUCCEEDED]
            assert not failed, f"{len(failed)} jobs did not succeed, e.g. {failed[0].error}"
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
            queue.close()
            _forget(prefix)
        requests = len(stub.aggs_requests())
    return elapsed, requests, symbols  # one month of 1m RTH is one planned request


def run(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    return [latency(calendar, 300 if quick else 10_000), workers(calendar, 6 if quick else 200)]
