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
* Load: ``CONNECTIONS`` tasks sharing one ``httpx.AsyncClient`` (as many kept-alive
  connections) send the same request back to back for ``duration`` seconds; none starts
  after that, and the ones in flight are waited for. A latency runs from sending the
  request to the last byte of its body; an error is any status but 200 or any exception,
  a stream cut short included. The client and the server share this machine's cores.

Loopback only, bounded: a fixed duration per load, a timeout on every read, a limit on
the wait for the requests in flight.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

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
CONNECTIONS = 50
PAGE_LIMIT = 50_000
TARGET_P99 = 0.050
#: Per read of a response, and for the requests still in flight when a load ends.
READ_TIMEOUT = 120.0
DRAIN_LIMIT = 180.0
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Sizes:
    #: Seconds of each load.
    duration: float
    #: Paired samples of one request at a time: the session, the long range.
    session_repeats: int
    range_repeats: int
    #: The long range, as session dates, and what to call it.
    first: date
    last: date
    span: str


FULL = Sizes(30.0, 9, 3, date(2024, 1, 1), date(2024, 12, 31), "one year")
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
def serving(store: str, folder: str) -> Iterator[tuple[str, int]]:
    """``chronox-cli serve`` on a free loopback port: (its base URL, its pid).

    Its environment carries no ``CHRONOX_`` setting but the store, and it runs in
    ``folder``, so no ``.env`` file of the caller's applies.
    """
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHRONOX_")}
    env |= {"CHRONOX_STORE": store, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port", str(port)]
    with open(Path(folder) / f"serve-{port}.log", "w+") as log:
        # Access lines go to stdout (discarded); errors to the log, shown if it dies.
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, process, log)
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(30)


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


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, where /proc tells it (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the requests ----------------------------------------------------------------------

Params = dict[str, str | int]


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


# --- the load --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Load:
    """What ``CONNECTIONS`` clients sending one request back to back saw."""

    latencies: tuple[float, ...]  # of the requests that succeeded, in seconds
    errors: dict[str, int]  # what went wrong: how often
    elapsed: float
    #: CPU seconds this process (the client) and the server used meanwhile.
    client_cpu: float
    server_cpu: float | None

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * share) - 1)] if ordered else float("nan")


def load(base: str, server: int, params: Params, duration: float) -> Load:
    """``CONNECTIONS`` concurrent clients, each sending ``GET /bars`` back to back."""
    client_before, server_before = time.process_time(), _cpu_seconds(server)
    started = time.perf_counter()
    latencies, errors = asyncio.run(_hammer(base, params, started + duration))
    elapsed = time.perf_counter() - started
    client_cpu, server_after = time.process_time() - client_before, _cpu_seconds(server)
    server_cpu = None
    if server_before is not None and server_after is not None:
        server_cpu = server_after - server_before
    return Load(tuple(latencies), errors, elapsed, client_cpu, server_cpu)


async def _hammer(base: str, params: Params, deadline: float) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    in_flight = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    timeout = httpx.Timeout(READ_TIMEOUT, pool=None)

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal in_flight
        while time.perf_counter() < deadline:
            in_flight += 1
            sent = time.perf_counter()
            try:
                async with client.stream("GET", f"/bars/{SYMBOL}", params=params) as answer:
                    async for _ in answer.aiter_raw():
                        pass  # read to the last byte, keep nothing
                problem = None if answer.status_code == 200 else f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            in_flight -= 1
            if problem is None:
                latencies.append(time.perf_counter() - sent)
            else:
                errors[problem] = errors.get(problem, 0) + 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        try:
            async with asyncio.timeout_at(_loop_time(deadline + DRAIN_LIMIT)):
                await asyncio.gather(*(one_client(client) for _ in range(CONNECTIONS)))
        except TimeoutError:
            errors[f"unfinished {DRAIN_LIMIT:.0f} s after the end"] = in_flight
    return latencies, errors


def _loop_time(moment: float) -> float:
    """A ``perf_counter`` moment on the running loop's clock."""
    return asyncio.get_running_loop().time() + (moment - time.perf_counter())


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
    session_load: Load
    csv_load: Load


def time_store(label: str, store: str, folder: str, sizes: Sizes) -> StoreTimings:
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
        base, server = stack.enter_context(serving(store, folder))
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
        csv = compare(read(whole), lambda: fetch(client, as_csv), sizes.range_repeats)
        paged = compare(read(whole), lambda: pages(client, as_json), sizes.range_repeats)
        session_load = load(base, server, session_params(), sizes.duration)
        csv_load = load(base, server, as_csv, sizes.duration)
    return StoreTimings(label, session_bars, len(stored), csv_bytes, session, csv, paged,
                        session_load, csv_load)  # fmt: skip


# --- the figures -----------------------------------------------------------------------


def figures(t: StoreTimings, sizes: Sizes) -> list[Figure]:
    span = sizes.span  # "one year"
    under = f"{CONNECTIONS} connections for {sizes.duration:.0f} s"
    repository = t.csv.baseline.median
    served = t.range_bars * t.csv_load.per_second
    session_p99 = t.session_load.percentile(0.99)
    return [
        Figure(
            benchmark="api",
            what=f"{t.store}: GET /bars, one session as JSON ({t.session_bars} 1m bars, one "
            f"page), {under}",
            baseline="(none: absolute figures under load)",
            chronox=_under_load(t.session_load),
            ratio=session_p99 / TARGET_P99,
            ratio_label="of the p99 target",
            target=f"p99 < {seconds(TARGET_P99)}, 0 errors",
            met=bool(t.session_load.latencies)
            and session_p99 < TARGET_P99
            and not t.session_load.failed,
            data=_load_data(t.session_load),
        ),
        Figure(
            benchmark="api",
            what=f"{t.store}: GET /bars, {span} as a CSV stream ({t.range_bars:,} 1m bars, "
            f"{t.csv_bytes / 1e6:.1f} MB), {under}",
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


def _overhead(store: str, what: str, timing: Comparison, how: str) -> Figure:
    baseline, chronox = timing.baseline.median, timing.chronox.median
    return Figure(
        benchmark="api",
        what=f"{store}: what the API adds, one request at a time: {what}",
        baseline=f"list(repository.bars(...)) in this process: {seconds(baseline)}",
        chronox=f"GET /bars over loopback, {how}: {seconds(chronox)}",
        ratio=timing.slowdown,
        ratio_label="the repository's time",
        target="none (reported)",
        met=None,
        data={"repository_s": baseline, "api_s": chronox},
    )


def run(quick: bool, postgres: str | None = None) -> list[Figure]:
    """The API figures on SQLite, and on PostgreSQL given ``postgres``, an admin URL."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="chronox-bench-") as folder:
        sqlite = f"sqlite:///{Path(folder) / 'api.sqlite3'}"
        timings = [time_store("SQLite", sqlite, folder, sizes)]
        if postgres is not None:
            with postgres_store(postgres) as url:
                timings.append(time_store("PostgreSQL", url, folder, sizes))
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
