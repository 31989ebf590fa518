"""The REST API (issue 6): ``GET /bars`` under load, and what the API adds to a read.

One symbol-year of synthetic 1m bars (SPY, XNYS regular hours of 2024, ingested through
the container's ``IngestionService``; four weeks of March with ``--quick``) goes into a
SQLite store in a temporary folder and, given an admin URL, into a throwaway PostgreSQL
database (``bench_postgres``'s, dropped at the end). Each store is served by ``chronox-cli
serve`` in a process of its own on a free loopback port, as a user runs it. Against each:

* Correctness, first (it also warms the server): one session as JSON, the range as CSV
  and as JSON pages followed through ``next_cursor`` give exactly the stored bars.
* What the API adds: one request at a time, against ``list(repository.bars(...))`` of
  the same window called in this process, paired and alternated (``timing.compare``):
  the session as JSON and the range as CSV, each read to its last byte; the range as
  JSON pages, each decoded to find the next cursor.
* Load (``api_load``): ``CONNECTIONS`` clients send the same request back to back for
  ``duration`` seconds: one session as JSON from ``serve --workers N`` for each N of
  ``WORKERS`` (more than one needs Redis, as ``serve`` does: skipped, and said, when it
  does not answer), by a lean HTTP/1.1 client; the range as CSV from one worker, by
  httpx. The client and the server share this machine's cores.
* What the server spends: its processes' CPU time under the session load, per request,
  against the repository call.

Loopback only, bounded: a fixed duration per load, a timeout on every read, a limit on
the wait for the requests in flight.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from benchmarks.api_load import (
    CONNECTIONS,
    READ_TIMEOUT,
    Load,
    Params,
    httpx_load,
    lean_load,
    spawned_workers,
)
from benchmarks.timing import Comparison, Figure, compare, rate, seconds
from chronox_domain.interval import Interval
from chronox_domain.ports import MarketDataRepository
from chronox_domain.ranges import resolve_range
from chronox_domain.services import IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SYMBOL = "SPY"
SESSION = date(2024, 3, 5)
PAGE_LIMIT = 50_000
TARGET_P99 = 0.050
STARTUP_TIMEOUT = 60.0
#: The worker processes ``serve --workers N`` runs the session load with.
WORKERS = (1, 2, 4)
#: Issue 22: what the API adds to the repository call, and 2 workers against 1.
TARGET_OVERHEAD = 1.5
TARGET_SCALING = 1.5
#: Seconds of the load on ``GET /livez``, the framework's floor.
FLOOR_SECONDS = 8.0
#: Repository calls timed for their CPU (the session's read).
SESSION_READS = 200
REDIS = os.environ.get("CHRONOX_BENCH_REDIS", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True, slots=True)
class Sizes:
    #: Seconds of the session's load (at each number of workers) and of the range's.
    duration: float
    #: Paired samples of one request at a time: the session, the long range.
    session_repeats: int
    range_repeats: int
    #: The long range, as session dates, and what to call it.
    first: date
    last: date
    span: str


FULL = Sizes(20.0, 9, 3, date(2024, 1, 1), date(2024, 12, 31), "one year")
QUICK = Sizes(3.0, 3, 1, date(2024, 3, 1), date(2024, 3, 28), "four weeks")


# --- the stores ------------------------------------------------------------------------


def _settings(store: str) -> Settings:
    return Settings.model_validate(
        {"store": store, "source": "synthetic", "redis_url": "", "api_token": None}
    )


def seed(store: str, sizes: Sizes) -> int:
    """Ingest the long range into ``store``; the bars written."""
    container = Container(settings=_settings(store))
    try:
        request = IngestRequest((SYMBOL,), Timeframe.M1, SessionKind.RTH, sizes.first, sizes.last)
        return container.ingestion().ingest(request).bars_written
    finally:
        container.shutdown_resources()


@contextmanager
def postgres_store(admin: str) -> Iterator[str]:
    """The URL of a throwaway PostgreSQL database, dropped on the way out."""
    from psycopg.conninfo import conninfo_to_dict

    from benchmarks import bench_postgres

    with bench_postgres.throwaway_database(admin) as conninfo:
        name = conninfo_to_dict(conninfo)["dbname"]
        yield urlsplit(admin)._replace(path=f"/{name}").geturl()


def window(container: Container, first: date, last: date) -> Interval:
    """The window ``GET /bars`` reads for these dates (by default, extended hours)."""
    calendar = container.calendar()
    now = datetime.now(UTC)
    return resolve_range(calendar, SessionKind.ETH, Timeframe.M1, first, last, now).window


# --- the server ------------------------------------------------------------------------


@contextmanager
def serving(
    store: str, folder: str, workers: int = 1, redis: str = ""
) -> Iterator[tuple[str, int]]:
    """``chronox-cli serve --workers N`` on a free loopback port, with Redis at ``redis``
    (a URL with the key prefix after a space) when given: (its base URL, its pid), once
    it answers and its workers are up.

    Its environment carries no ``CHRONOX_`` setting but the store (and Redis), and it
    runs in ``folder``, so no ``.env`` file of the caller's applies.
    """
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHRONOX_")}
    env |= {"CHRONOX_STORE": store, "PYTHONPATH": str(ROOT)}
    if redis:
        url, prefix = redis.split(" ")
        env |= {"CHRONOX_REDIS_URL": url, "CHRONOX_REDIS_PREFIX": prefix}
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    with open(Path(folder) / f"serve-{port}.log", "w+") as log:
        # Access lines go to stdout (discarded); errors to the log, shown if it dies.
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, process, log)
            if workers > 1:
                _workers_up(process.pid, workers)
            yield base, process.pid
        finally:
            workers_left = spawned_workers(process.pid)
            process.terminate()  # which stops the workers
            try:
                process.wait(30)
            finally:
                for worker in workers_left:  # still a worker of ours: killed
                    with contextlib.suppress(OSError):  # gone, as it should be
                        if b"spawn_main" in Path(f"/proc/{worker}/cmdline").read_bytes():
                            os.kill(worker, signal.SIGKILL)


def processes(pid: int) -> list[int]:
    """The server's processes: the one started, and the workers it spawned."""
    return [pid, *spawned_workers(pid)]


def _workers_up(parent: int, workers: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while len(found := spawned_workers(parent)) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(found)} of {workers} workers started")
        time.sleep(0.1)
    # Each must answer too: a worker spawned is not yet a worker serving.
    time.sleep(1.0)


@contextmanager
def redis_for_workers() -> Iterator[str | None]:
    """``"URL PREFIX"`` of Redis for ``serve --workers N`` (its keys deleted on the way
    out), or None when Redis does not answer (having said so)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # not installed, not running: say so, measure 1 worker
        print(f"REST API: serve --workers N>1 skipped, Redis: {exc}", flush=True)
        yield None
        return
    prefix = f"chronox-bench-{uuid.uuid4().hex[:8]}:"
    try:
        yield f"{REDIS} {prefix}"
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the API server exited ({process.returncode}): {log.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    raise RuntimeError(f"the API server did not answer within {STARTUP_TIMEOUT:.0f} s")


# --- the requests ----------------------------------------------------------------------


def session_params() -> Params:
    day = SESSION.isoformat()
    return {"timeframe": "1m", "start": day, "end": day, "limit": 1_000}


def range_params(sizes: Sizes, format: str) -> Params:
    return {"timeframe": "1m", "start": sizes.first.isoformat(), "end": sizes.last.isoformat(),
            "limit": PAGE_LIMIT, "format": format}  # fmt: skip


def fetch(client: httpx.Client, params: Params) -> int:
    """One ``GET /bars``, read to its last byte: the bytes of its body."""
    with client.stream("GET", f"/bars/{SYMBOL}", params=params) as answer:
        answer.raise_for_status()
        return sum(len(chunk) for chunk in answer.iter_raw())


def pages(client: httpx.Client, params: Params) -> list[str]:
    """Every bar's start, page after page through ``next_cursor``."""
    starts: list[str] = []
    while True:
        answer = client.get(f"/bars/{SYMBOL}", params=params)
        answer.raise_for_status()
        page = answer.json()
        starts += [bar["start"] for bar in page["bars"]]
        if page["next_cursor"] is None:
            return starts
        params = {**params, "cursor": page["next_cursor"]}


def csv_rows(client: httpx.Client, params: Params) -> int:
    with client.stream("GET", f"/bars/{SYMBOL}", params=params) as answer:
        answer.raise_for_status()
        return sum(text.count("\n") for text in answer.iter_text()) - 1  # the header


# --- one store -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreTimings:
    store: str
    session_bars: int
    range_bars: int
    csv_bytes: int
    session: Comparison  # repository vs one JSON page, one request at a time
    csv: Comparison  # repository vs the CSV stream
    paged: Comparison  # repository vs the JSON pages
    #: CPU seconds of one repository call for the session (in this process).
    session_read_cpu: float
    #: The session's load by the number of workers serving it.
    session_loads: dict[int, Load]
    #: ``GET /livez`` under the same load, one worker: what any request costs the server.
    floor_load: Load
    csv_load: Load


def time_store(
    label: str, store: str, folder: str, sizes: Sizes, redis: str | None
) -> StoreTimings:
    written = seed(store, sizes)
    with ExitStack() as stack:
        container = Container(settings=_settings(store))
        stack.callback(container.shutdown_resources)
        repository: MarketDataRepository = container.repository()

        def read(where: Interval) -> Callable[[], object]:
            return lambda: list(repository.bars(SYMBOL, Timeframe.M1, where))

        one_session = window(container, SESSION, SESSION)
        whole = window(container, sizes.first, sizes.last)
        session_bars = len(list(repository.bars(SYMBOL, Timeframe.M1, one_session)))
        stored = [bar.start for bar in repository.bars(SYMBOL, Timeframe.M1, whole)]
        base, pid = stack.enter_context(serving(store, folder))
        client = stack.enter_context(httpx.Client(base_url=base, timeout=READ_TIMEOUT))
        as_json, as_csv = range_params(sizes, "json"), range_params(sizes, "csv")

        # Correctness, not timing (and the server's warm-up): every way of asking gives
        # exactly the stored bars, and one session fits in one page.
        in_session = [iso_utc(start) for start in stored if one_session.contains(start)]
        page = client.get(f"/bars/{SYMBOL}", params=session_params()).json()
        assert page["next_cursor"] is None and [bar["start"] for bar in page["bars"]] == in_session
        assert len(stored) == written, (len(stored), written)
        assert pages(client, as_json) == [iso_utc(start) for start in stored]
        assert csv_rows(client, as_csv) == len(stored)
        csv_bytes = fetch(client, as_csv)

        session = compare(
            read(one_session), lambda: fetch(client, session_params()), sizes.session_repeats
        )
        session_read_cpu = _cpu_per_call(read(one_session), SESSION_READS)
        csv = compare(read(whole), lambda: fetch(client, as_csv), sizes.range_repeats)
        paged = compare(read(whole), lambda: pages(client, as_json), sizes.range_repeats)
        path = f"/bars/{SYMBOL}"
        loads = {1: lean_load(base, processes(pid), path, session_params(), sizes.duration)}
        floor = lean_load(base, processes(pid), "/livez", {}, min(FLOOR_SECONDS, sizes.duration))
        csv_load = httpx_load(base, processes(pid), path, as_csv, sizes.duration)
        client.close()
        stack.close()  # the one-worker server stops before the next starts
    for workers in WORKERS[1:] if redis else ():
        with serving(store, folder, workers, redis) as (base, pid):
            warm = httpx.get(f"{base}{path}", params=session_params(), timeout=READ_TIMEOUT)
            assert warm.json()["bars"] == page["bars"]  # the same page, whichever worker
            loads[workers] = lean_load(base, processes(pid), path, session_params(),
                                       sizes.duration)  # fmt: skip
    return StoreTimings(label, session_bars, len(stored), csv_bytes, session, csv, paged,
                        session_read_cpu, loads, floor, csv_load)  # fmt: skip


def _cpu_per_call(call: Callable[[], object], calls: int) -> float:
    """The CPU time of one call, over ``calls`` in a row: the same measure as the
    server's (its CPU time), whatever else runs on the machine."""
    call()  # warm
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls


# --- the figures -----------------------------------------------------------------------


def figures(t: StoreTimings, sizes: Sizes) -> list[Figure]:
    span = sizes.span  # "one year"
    under = f"{CONNECTIONS} connections for {sizes.duration:.0f} s"
    repository = t.csv.baseline.median
    served = t.range_bars * t.csv_load.per_second
    return [
        *(_session_load(t, workers, under) for workers in t.session_loads),
        _server_cpu(t),
        Figure(
            benchmark="api",
            what=f"{t.store}: GET /bars, {span} as a CSV stream ({t.range_bars:,} 1m bars, "
            f"{t.csv_bytes / 1e6:.1f} MB), {under}, one worker",
            baseline=f"list(repository.bars(...)), one caller: {seconds(repository)} "
            f"({rate(t.range_bars, repository, 'bars')})",
            chronox=f"{_under_load(t.csv_load)}; {served:,.0f} bars/s",
            ratio=served / (t.range_bars / repository),
            ratio_label="the repository's throughput (one caller)",
            target="0 errors",
            met=bool(t.csv_load.latencies) and not t.csv_load.failed,
            data={
                **_load_data(t.csv_load),
                "bars": t.range_bars,
                "bytes": t.csv_bytes,
                "repository_s": repository,
            },
        ),
        _overhead(
            t.store,
            f"one session as JSON ({t.session_bars} bars)",
            t.session,
            "one page, read to its last byte",
            target=TARGET_OVERHEAD,
        ),
        _overhead(
            t.store,
            f"{span} as CSV ({t.range_bars:,} bars)",
            t.csv,
            "the stream, read to its last byte",
        ),
        _overhead(
            t.store,
            f"{span} as JSON pages ({t.range_bars:,} bars)",
            t.paged,
            f"{_pages(t.range_bars)} of up to {PAGE_LIMIT:,} bars, each decoded for its "
            "next_cursor",
        ),
    ]


def _session_load(t: StoreTimings, workers: int, under: str) -> Figure:
    """The session's load at ``workers`` workers: against the p99 target at one, against
    one worker's throughput at more."""
    result, alone = t.session_loads[workers], t.session_loads[1]
    p99 = result.percentile(0.99)
    what = (
        f"{t.store}: GET /bars, one session as JSON ({t.session_bars} 1m bars, one page), "
        f"{under}, serve --workers {workers}"
    )
    sound = bool(result.latencies) and not result.failed
    if workers == 1:
        return Figure(
            benchmark="api",
            what=what,
            baseline="(none: absolute figures under load)",
            chronox=_under_load(result),
            ratio=p99 / TARGET_P99,
            ratio_label="of the p99 target",
            target=f"p99 < {seconds(TARGET_P99)}, 0 errors",
            met=sound and p99 < TARGET_P99,
            data=_load_data(result),
        )
    scaling = result.per_second / alone.per_second
    target = f">= {TARGET_SCALING}x, 0 errors" if workers == 2 else "0 errors (reported)"
    return Figure(
        benchmark="api",
        what=what,
        baseline=f"serve --workers 1: {alone.per_second:,.0f} requests/s, "
        f"p99 {seconds(alone.percentile(0.99))}",
        chronox=_under_load(result),
        ratio=scaling,
        ratio_label="the throughput of one worker",
        target=target,
        met=sound and (scaling >= TARGET_SCALING if workers == 2 else True),
        data={**_load_data(result), "workers": workers},
    )


def _server_cpu(t: StoreTimings) -> Figure:
    """What one request costs the server (its CPU under the session's load, one worker)
    against the CPU of the repository call that reads its bars."""
    repository = t.session_read_cpu
    used = t.session_loads[1].server_cpu_per_request
    floor = t.floor_load.server_cpu_per_request
    ratio = float("nan") if used is None else used / repository
    chronox = "unknown (no /proc)" if used is None else f"{seconds(used)} of CPU a request"
    if floor is not None:
        chronox += (
            f"; GET /livez under the same load: {seconds(floor)} "
            f"({floor / repository:.2f}x the repository's time, {t.floor_load.per_second:,.0f} "
            "requests/s): any request's cost"
        )
    return Figure(
        benchmark="api",
        what=f"{t.store}: the server's CPU per request under load, one session as JSON "
        f"({t.session_bars} bars), serve --workers 1",
        baseline=f"list(repository.bars(...)) in this process: {seconds(repository)} of CPU a call",
        chronox=chronox,
        ratio=ratio,
        ratio_label="the repository's time",
        target=f"<= {TARGET_OVERHEAD}x",
        met=None if used is None else ratio <= TARGET_OVERHEAD,
        data={
            "repository_cpu_s": repository,
            "server_cpu_per_request_s": used or float("nan"),
            "livez_cpu_per_request_s": floor or float("nan"),
        },
    )


def _under_load(result: Load) -> str:
    per_second = result.per_second
    shown = f"{per_second:,.1f}" if per_second < 100 else f"{per_second:,.0f}"
    text = (
        f"{shown} requests/s, p50 {seconds(result.percentile(0.5))}, "
        f"p99 {seconds(result.percentile(0.99))}, {result.failed} errors"
    )
    if result.errors:
        text += " (" + ", ".join(f"{n} {what}" for what, n in result.errors.items()) + ")"
    if result.server_cpu is not None:
        server, client = result.server_cpu / result.elapsed, result.client_cpu / result.elapsed
        text += f"; CPU: server {server:.2f}, client {client:.2f} cores"
    return text


def _load_data(result: Load) -> dict[str, float]:
    return {
        "requests": len(result.latencies),
        "errors": result.failed,
        "seconds": result.elapsed,
        "requests_per_s": result.per_second,
        "p50_s": result.percentile(0.5),
        "p99_s": result.percentile(0.99),
        "max_s": max(result.latencies, default=float("nan")),
        "client_cpu_s": result.client_cpu,
        "server_cpu_s": float("nan") if result.server_cpu is None else result.server_cpu,
    }


def _pages(bars: int) -> str:
    count = -(-bars // PAGE_LIMIT)
    return "one page" if count == 1 else f"{count} pages"


def _overhead(
    store: str, what: str, timing: Comparison, how: str, target: float | None = None
) -> Figure:
    baseline, chronox = timing.baseline.median, timing.chronox.median
    return Figure(
        benchmark="api",
        what=f"{store}: what the API adds, one request at a time: {what}",
        baseline=f"list(repository.bars(...)) in this process: {seconds(baseline)}",
        chronox=f"GET /bars over loopback, {how}: {seconds(chronox)}",
        ratio=timing.slowdown,
        ratio_label="the repository's time",
        target="none (reported)" if target is None else f"<= {target}x",
        met=None if target is None else timing.slowdown <= target,
        data={"repository_s": baseline, "api_s": chronox},
    )


def run(quick: bool, postgres: str | None = None) -> list[Figure]:
    """The API figures on SQLite, and on PostgreSQL given ``postgres``, an admin URL."""
    sizes = QUICK if quick else FULL
    with (
        tempfile.TemporaryDirectory(prefix="chronox-bench-") as folder,
        redis_for_workers() as redis,
    ):
        sqlite = f"sqlite:///{Path(folder) / 'api.sqlite3'}"
        timings = [time_store("SQLite", sqlite, folder, sizes, redis)]
        if postgres is not None:
            with postgres_store(postgres) as url:
                timings.append(time_store("PostgreSQL", url, folder, sizes, redis))
    return [figure for timing in timings for figure in figures(timing, sizes)]


if __name__ == "__main__":  # python3 -m benchmarks.bench_api [--quick] [--no-postgres]
    from benchmarks import bench_postgres
    from benchmarks.report import markdown, text_table

    admin = None if "--no-postgres" in sys.argv else bench_postgres.admin_url()
    if admin is not None and (reason := bench_postgres.unavailable(admin)) is not None:
        print(f"PostgreSQL skipped: {reason}", flush=True)
        admin = None
    rows = run("--quick" in sys.argv, admin)
    print(f"{text_table(rows)}\n\n{markdown(rows)}")
