"""The whole market from the vendor's flat files (issue 20), and the registry at 10,000
symbols.

Everything goes through chronox's real path: a day file written by the benchmark in the
vendor's exact format (``tests/flatfiles_stub``: gzip CSV, nanosecond stamps, extended
hours with minutes missing, mixed-case tickers) is published on moto's S3 server on
loopback, and ``chronox-cli ingest --all --source flatfiles`` runs in-process against a
throwaway store (HEAD, the streamed GET, gunzip, parsing, the day rule, ``write_many``,
the ledger).

* The day file into PostgreSQL (plain, and TimescaleDB when ``CHRONOX_TEST_TIMESCALE``
  or ``CHRONOX_BENCH_TIMESCALE`` names its server) against a raw binary COPY of the same
  rows, already parsed, into the same ``bars_1m`` table in one transaction; into SQLite
  against one ``executemany`` of the same rows into the same schema. chronox's time
  includes the command's start, the download and the parse; the baseline's only the
  write. The two sides take turns at going first, from emptied tables; the first
  repeat checks that both stored the same rows (count and a checksum of every column).
* Peak memory: the same command in a process of its own (``ru_maxrss``), against the
  same command run again over the day it holds (HEAD only, nothing read): what reading
  the file costs above the command's floor.
* 10,000 registry symbols: ``registry import FILE``, ``registry list``, every page of
  ``GET /symbols`` from ``chronox-cli serve``, and ``gaps`` for the whole registry over
  a month whose ledgers came from a month of (small) day files, on SQLite and
  PostgreSQL.
* 1 vs 2 workers: days of files into one PostgreSQL store by one ``ingest --all``
  process, then by two at once on disjoint halves of the days (``backfill --enqueue
  --source flatfiles`` is not there yet: this is what its two workers would do).

Targets (issue 20): PostgreSQL >= 0.8x the COPY's rate, SQLite >= 0.7x the
executemany's, each registry figure < 2 s. Figures are reported, never asserted.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.timing import Comparison, Figure, Timing, rate, seconds, stopwatch
from chronox_domain.ports import TradingCalendar
from chronox_domain.session import SessionKind
from tests.flatfiles_stub import DayFileRow, S3Server, day_file_bytes, market_day, put_day_file

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "flatfiles"
#: A Tuesday of 2024: settled long ago, whole volumes (decimal ones start 2026-02-23).
DAY = date(2024, 3, 5)
#: The month the registry's gap scan covers.
MONTH = (date(2024, 4, 1), date(2024, 4, 30))
#: Each minute missing with this probability (three times as often outside regular
#: hours): about 200 rows per ticker, 2 million for 10,000 tickers.
MISSING = 0.49

TARGET_POSTGRES = 0.8
TARGET_SQLITE = 0.7
TARGET_REGISTRY_SECONDS = 2.0

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PG_COLUMNS = "symbol, start, open, high, low, close, volume, vwap, trades, provisional, source"
_PG_TYPES = [
    "text", "timestamptz", "float8", "float8", "float8", "float8", "float8", "float8", "int8",
    "bool", "text",
]  # fmt: skip
_SQLITE_INSERT = (
    "INSERT INTO bars_1m (symbol, start, open, high, low, close, volume, vwap, trades, "
    "provisional, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Sizes:
    tickers: int = 10_000
    repeats: int = 3
    registry: int = 10_000
    #: Tickers of each day file of the 1 vs 2 workers figure, and its days.
    worker_tickers: int = 2_000
    worker_days: int = 4


FULL = Sizes()
QUICK = Sizes(tickers=200, repeats=1, registry=300, worker_tickers=100, worker_days=2)


def tickers(count: int) -> list[str]:
    """``count`` distinct tickers as the vendor spells them: mostly upper-case letters,
    some class shares (``ABCD.A``) and preferreds with a lower-case ``p`` (``ABCDpL``)."""
    names = []
    for number in range(count):
        letters, rest = "", number
        for _ in range(4):
            rest, digit = divmod(rest, 26)
            letters = chr(ord("A") + digit) + letters
        if number % 397 == 5:
            letters += ".A"
        elif number % 499 == 11:
            letters += "pL"
        names.append(letters)
    return names


# --- the environment chronox runs in ---------------------------------------------------


@contextlib.contextmanager
def chronox_environment(server: S3Server, folder: str, pg_mode: str = "auto") -> Iterator[None]:
    """The flat-files keys of ``server``, no other ``CHRONOX_`` setting, run from
    ``folder`` (no ``.env`` of the caller's applies); all put back on the way out."""
    saved = dict(os.environ)
    cwd = os.getcwd()
    for name in [name for name in os.environ if name.startswith("CHRONOX_")]:
        del os.environ[name]
    os.environ |= flatfiles_env(server) | {"CHRONOX_PG_MODE": pg_mode}
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def flatfiles_env(server: S3Server) -> dict[str, str]:
    return {
        "CHRONOX_FLATFILES_ENDPOINT": server.endpoint,
        "CHRONOX_FLATFILES_ACCESS_KEY_ID": server.access_key_id,
        "CHRONOX_FLATFILES_SECRET_ACCESS_KEY": server.secret_access_key,
    }


def cli(*argv: str) -> str:
    """``chronox-cli argv`` in this process; its output (a failure raises, with it)."""
    from chronox_entrypoints.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as done:
            code = done.code
    if code not in (0, None):
        raise RuntimeError(f"chronox-cli {argv[0]} exited {code}: {err.getvalue()[-2000:]}")
    return out.getvalue()


def ingest_all(store: str, first: date, last: date) -> dict[str, Any]:
    report = cli(
        "ingest", "--all", "--source", SOURCE, "--start", first.isoformat(),
        "--end", last.isoformat(), "--store", store, "--json",
    )  # fmt: skip
    answer: dict[str, Any] = json.loads(report)
    return answer


# --- the day file ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarketDay:
    rows: list[DayFileRow]
    tickers: int
    #: Bytes of the gzip file and of its text.
    compressed: int
    uncompressed: int


def publish_day(server: S3Server, day: date, names: Sequence[str], seed: int = 0) -> MarketDay:
    rows = market_day(day, names, seed=seed, missing=MISSING)
    body = day_file_bytes(rows, decimal_volume=False)
    put_day_file(server, day, rows, body=body)
    text = sum(len(line) for line in _lines(rows)) + 64
    return MarketDay(rows, len(names), len(body), text)


def _lines(rows: Sequence[DayFileRow]) -> Iterator[str]:
    for row in rows:
        yield (
            f"{row.ticker},{int(row.volume)},{row.open!r},{row.close!r},{row.high!r},"
            f"{row.low!r},{row.window_start_ns},{row.transactions}\n"
        )


def _start(row: DayFileRow) -> datetime:
    return _EPOCH + timedelta(microseconds=row.window_start_ns // 1_000)


def pg_rows(rows: Sequence[DayFileRow]) -> list[tuple[object, ...]]:
    """The rows as ``bars_1m`` holds them (no vwap in the files; settled: final)."""
    return [
        (r.ticker, _start(r), r.open, r.high, r.low, r.close, float(r.volume), None,
         r.transactions, False, SOURCE)
        for r in rows
    ]  # fmt: skip


def sqlite_rows(rows: Sequence[DayFileRow]) -> list[tuple[object, ...]]:
    return [
        (r.ticker, r.window_start_ns // 1_000_000_000, r.open, r.high, r.low, r.close,
         float(r.volume), None, r.transactions, 0, SOURCE)
        for r in rows
    ]  # fmt: skip


# --- PostgreSQL --------------------------------------------------------------------------


def timescale_admin_url() -> str | None:
    return os.environ.get("CHRONOX_BENCH_TIMESCALE") or os.environ.get("CHRONOX_TEST_TIMESCALE")


def _pg_copy(url: str, rows: Sequence[tuple[object, ...]]) -> None:
    import psycopg

    command = f"COPY bars_1m ({_PG_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(command) as copy:
        copy.set_types(_PG_TYPES)
        for row in rows:
            copy.write_row(row)


@contextlib.contextmanager
def throwaway_store(admin: str) -> Iterator[str]:
    """The URL (what ``--store`` takes) of a new, empty database on the server of
    ``admin`` (an admin URL), dropped on the way out whatever happens."""
    from urllib.parse import urlsplit, urlunsplit

    from benchmarks.bench_postgres import throwaway_database

    with throwaway_database(admin) as conninfo:
        from psycopg.conninfo import conninfo_to_dict

        name = str(conninfo_to_dict(conninfo)["dbname"])
        parts = urlsplit(admin)
        yield urlunsplit(parts._replace(path=f"/{name}"))


def _prepared(url: str, mode: str, starts: list[datetime]) -> None:
    """Migrate the store in ``mode``; in plain mode, create the yearly partitions of
    ``starts`` too (chronox makes them as it writes; the raw COPY cannot)."""
    from chronox_adapters.timescale import open_postgres
    from chronox_adapters.timescale.partitions import Partitions

    store = open_postgres(url, prefer=mode, max_size=1)
    try:
        if store.mode == "plain":
            Partitions(store.pool).ensure("bars_1m", starts)
    finally:
        store.close()


def _pg_emptied(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE bars_1m, coverage")
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def _pg_fingerprint(url: str) -> tuple[int, int]:
    """Row count and a checksum of every stored bar, column by column."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), coalesce(sum(hashtextextended(b::text, 0)), 0) FROM bars_1m b"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@dataclass(frozen=True, slots=True)
class DayTimings:
    store: str
    rows: int
    baseline: Timing
    chronox: Timing
    report: dict[str, Any]


def time_postgres_day(
    label: str, admin: str, mode: str, server: S3Server, day: MarketDay, repeats: int
) -> DayTimings:

    rows = pg_rows(day.rows)
    samples: tuple[list[float], list[float]] = ([], [])
    report: dict[str, Any] = {}
    with throwaway_store(admin) as url, tempfile.TemporaryDirectory() as folder:
        _prepared(url, mode, [_start(day.rows[0])])  # before the clock
        with chronox_environment(server, folder, mode):
            for repeat in range(repeats):
                checking = repeat == 0
                for side in (0, 1) if repeat % 2 == 0 else (1, 0):
                    _pg_emptied(url)
                    gc.collect()
                    if side == 0:
                        samples[0].append(stopwatch(lambda: _pg_copy(url, rows)))
                        copied = _pg_fingerprint(url) if checking else None
                    else:
                        started = time.perf_counter()
                        report = ingest_all(url, DAY, DAY)
                        samples[1].append(time.perf_counter() - started)
                        stored = _pg_fingerprint(url) if checking else None
                if checking:
                    assert stored is not None and stored[0] == len(rows), (stored, len(rows))
                    assert stored == copied, f"{label}: chronox and the COPY stored other rows"
    return DayTimings(
        label, len(rows), Timing(tuple(samples[0])), Timing(tuple(samples[1])), report
    )


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_executemany(path: str, rows: Sequence[tuple[object, ...]]) -> None:
    from chronox_adapters.sqlite import SqliteDatabase

    database = SqliteDatabase(path)
    try:
        connection = database.connection
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(_SQLITE_INSERT, rows)
        connection.execute("COMMIT")
    finally:
        database.close()


def _sqlite_fingerprint(path: str) -> tuple[int, str]:
    import sqlite3

    digest = hashlib.sha256()
    count = 0
    with contextlib.closing(sqlite3.connect(path)) as connection:
        query = (
            "SELECT symbol, start, open, high, low, close, volume, vwap, trades, provisional, "
            "source FROM bars_1m ORDER BY symbol, start"
        )
        for row in connection.execute(query):
            digest.update(repr(row).encode())
            count += 1
    return count, digest.hexdigest()


def time_sqlite_day(server: S3Server, day: MarketDay, repeats: int) -> DayTimings:
    from chronox_adapters.sqlite import SqliteDatabase

    rows = sqlite_rows(day.rows)
    samples: tuple[list[float], list[float]] = ([], [])
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder, chronox_environment(server, folder):
        for repeat in range(repeats):
            raw_path, chronox_path = (
                f"{folder}/raw-{repeat}.sqlite3",
                f"{folder}/cx-{repeat}.sqlite3",
            )
            for path in (raw_path, chronox_path):  # both schemas made before the clock
                SqliteDatabase(path).close()
            for side in (0, 1) if repeat % 2 == 0 else (1, 0):
                gc.collect()
                if side == 0:
                    samples[0].append(stopwatch(partial(_sqlite_executemany, raw_path, rows)))
                else:
                    started = time.perf_counter()
                    report = ingest_all(f"sqlite:///{chronox_path}", DAY, DAY)
                    samples[1].append(time.perf_counter() - started)
            if repeat == 0:
                stored = _sqlite_fingerprint(chronox_path)
                assert stored[0] == len(rows), (stored[0], len(rows))
                assert stored == _sqlite_fingerprint(raw_path), "SQLite: other rows stored"
            for path in (raw_path, chronox_path):
                Path(path).unlink()
    return DayTimings(
        "SQLite", len(rows), Timing(tuple(samples[0])), Timing(tuple(samples[1])), report
    )


def day_figure(t: DayTimings, day: MarketDay, baseline: str, target: float) -> Figure:
    comparison = Comparison(t.baseline, t.chronox)
    share = comparison.speedup  # baseline time / chronox time: chronox's share of its rate
    raw, chronox = t.baseline.median, t.chronox.median
    return Figure(
        benchmark="flatfiles-day",
        what=f"{t.store}: ingest --all --source flatfiles, one day file of {day.tickers:,} "
        f"tickers, {t.rows:,} 1m rows ({day.compressed / 2**20:.1f} MB gzip, "
        f"{day.uncompressed / 2**20:.0f} MB CSV) from the S3 server, download and parse "
        f"included",
        baseline=f"{baseline} of the rows already parsed: {seconds(raw)} "
        f"({rate(t.rows, raw, 'rows')})",
        chronox=f"{seconds(chronox)} ({rate(t.rows, chronox, 'rows')})",
        ratio=share,
        ratio_label="the baseline's rate",
        target=f">= {target:.1f}x",
        met=share >= target,
        data={
            "rows": t.rows,
            "tickers": day.tickers,
            "baseline_s": raw,
            "chronox_s": chronox,
            "bars_written": float(t.report.get("bars_written", 0)),
        },
    )


# --- peak memory -------------------------------------------------------------------------

_MEASURED = """
import json, sys
from chronox_entrypoints.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code or 0
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, from the parent that forked.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "maxrss_kb": hwm}), file=sys.stderr)
"""


def _peak_rss(argv: Sequence[str], env: dict[str, str], folder: str) -> int:
    """Bytes: the peak resident set of ``chronox-cli argv`` in a process of its own."""
    answer = subprocess.run(
        [sys.executable, "-c", _MEASURED, *argv],
        env=env, cwd=folder, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    last = json.loads(answer.stderr.strip().splitlines()[-1])
    if last["code"] not in (0, None):
        raise RuntimeError(f"chronox-cli {argv[0]} exited {last['code']}: {answer.stderr[-2000:]}")
    return int(last["maxrss_kb"]) * 1024


def _process_env(server: S3Server, store: str, pg_mode: str = "auto") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHRONOX_")}
    return (
        env
        | flatfiles_env(server)
        | {
            "CHRONOX_STORE": store,
            "CHRONOX_PG_MODE": pg_mode,
            "PYTHONPATH": str(ROOT),
        }
    )


def memory_figure(server: S3Server, day: MarketDay, store: str, label: str, mode: str) -> Figure:
    argv = ["ingest", "--all", "--source", SOURCE, "--start", DAY.isoformat(),
            "--end", DAY.isoformat(), "--json"]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        env = _process_env(server, store, mode)
        peak = _peak_rss(argv, env, folder)
        floor = _peak_rss(argv, env, folder)  # the day is held: HEAD only, nothing read
    above = peak - floor
    mb = 2**20
    return Figure(
        benchmark="flatfiles-memory",
        what=f"{label}: peak resident memory of ingest --all over the day file of "
        f"{len(day.rows):,} rows ({day.uncompressed / mb:.0f} MB of CSV), in a process of "
        f"its own",
        baseline=f"the same command again (the day held: HEAD only): {floor / mb:.0f} MB",
        chronox=f"{peak / mb:.0f} MB ({above / mb:.0f} MB above the floor)",
        ratio=above / day.uncompressed,
        ratio_label="the CSV's size, above the floor",
        target="none (reported)",
        met=None,
        data={"peak_bytes": peak, "floor_bytes": floor, "csv_bytes": day.uncompressed},
    )


# --- 10,000 registry symbols -------------------------------------------------------------


def publish_month(
    server: S3Server, calendar: TradingCalendar, names: Sequence[str]
) -> tuple[list[date], int]:
    """A small day file per session of ``MONTH`` holding every ticker's 09:30 minute,
    each day without a few of them (their gaps): (the sessions, the gaps expected)."""
    sessions = [s.date for s in calendar.sessions(*MONTH, SessionKind.ETH)]
    absent = 0
    for number, day in enumerate(sessions):
        held = [name for i, name in enumerate(names) if (i + number) % 101 != 0]
        absent += len(names) - len(held)
        rows = market_day(day, held, missing=0.0, start=clock_time(9, 30), end=clock_time(9, 31))
        put_day_file(server, day, rows)
    return sessions, absent


@dataclass(frozen=True, slots=True)
class RegistryTimings:
    store: str
    symbols: int
    imported: float
    listed: float
    paged: float
    pages: int
    gaps: float
    gap_count: int
    month_ingest: float


def time_registry(
    label: str, store: str, server: S3Server, names: Sequence[str], folder: str, absent: int
) -> RegistryTimings:
    listing = Path(folder) / "symbols.txt"
    listing.write_text("".join(f"{name}\n" for name in names))
    imported = stopwatch(lambda: cli("registry", "import", str(listing), "--store", store))
    printed: list[str] = []
    listed = stopwatch(lambda: printed.append(cli("registry", "list", "--store", store)))
    assert printed[0].count("\n") >= len(names), "registry list printed too few lines"
    month_ingest = stopwatch(lambda: ingest_all(store, *MONTH))
    gaps: list[Any] = []
    args = ("gaps", *names, "--session", "eth", "--start", MONTH[0].isoformat(),
            "--end", MONTH[1].isoformat(), "--store", store, "--json")  # fmt: skip
    scanned = stopwatch(lambda: gaps.append(json.loads(cli(*args))))
    assert len(gaps[0]) == absent, (len(gaps[0]), absent)
    paged, pages = _time_symbol_pages(store, folder, len(names))
    return RegistryTimings(
        label, len(names), imported, listed, paged, pages, scanned, len(gaps[0]), month_ingest
    )


def _time_symbol_pages(store: str, folder: str, count: int) -> tuple[float, int]:
    """Every page of ``GET /symbols`` (the largest page, 1,000) from ``chronox-cli serve``."""
    import httpx

    from benchmarks.bench_api import serving

    with serving(store, folder) as (base, _pid), httpx.Client(base_url=base) as client:
        client.get("/symbols", params={"limit": 1}).raise_for_status()  # warm
        seen, pages = 0, 0
        started = time.perf_counter()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
            answer = client.get("/symbols", params=params)
            answer.raise_for_status()
            page = answer.json()
            seen += len(page["symbols"])
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        elapsed = time.perf_counter() - started
    assert seen == count, (seen, count)
    return elapsed, pages


def registry_figures(t: RegistryTimings, sessions: int) -> list[Figure]:
    def figure(what: str, elapsed: float, target: bool = True) -> Figure:
        return Figure(
            benchmark="flatfiles-registry",
            what=f"{t.store}, {t.symbols:,} registry symbols: {what}",
            baseline="(none: absolute time)",
            chronox=seconds(elapsed),
            ratio=elapsed / TARGET_REGISTRY_SECONDS,
            ratio_label="of the 2 s target" if target else "of 2 s",
            target=f"< {TARGET_REGISTRY_SECONDS:.0f} s" if target else "none (reported)",
            met=elapsed < TARGET_REGISTRY_SECONDS if target else None,
            data={"seconds": elapsed, "symbols": t.symbols},
        )

    return [
        figure("chronox-cli registry import FILE (one symbol a line)", t.imported),
        figure("chronox-cli registry list (the table)", t.listed),
        figure(f"GET /symbols, every page of 1,000 ({t.pages} pages)", t.paged),
        figure(
            f"chronox-cli gaps for every registry symbol, ETH, {MONTH[0]:%B %Y} ({sessions} "
            f"sessions, ledgers from day files; {t.gap_count:,} gaps found)",
            t.gaps,
        ),
        figure(
            f"(how the ledgers were made) ingest --all of {sessions} small day files",
            t.month_ingest,
            target=False,
        ),
    ]


# --- 1 vs 2 workers ----------------------------------------------------------------------

WORKER = [
    sys.executable,
    "-m",
    "chronox_entrypoints.cli.main",
    "ingest",
    "--all",
    "--source",
    SOURCE,
]


def time_workers(
    admin: str, mode: str, server: S3Server, calendar: TradingCalendar, sizes: Sizes
) -> Figure:

    first = date(2024, 5, 1)
    days = [s.date for s in calendar.sessions(first, first + timedelta(days=30), SessionKind.ETH)]
    days = days[: sizes.worker_days]
    names = tickers(sizes.worker_tickers)
    rows = sum(len(publish_day(server, day, names, seed=7).rows) for day in days)
    half = len(days) // 2
    with throwaway_store(admin) as url, tempfile.TemporaryDirectory() as folder:
        _prepared(url, mode, [datetime.combine(d, clock_time(12), UTC) for d in days])
        env = _process_env(server, url, mode)

        def run(ranges: list[tuple[date, date]]) -> float:
            _pg_emptied(url)
            started = time.perf_counter()
            processes = [
                subprocess.Popen(
                    [*WORKER, "--start", a.isoformat(), "--end", b.isoformat()],
                    env=env,
                    cwd=folder,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                for a, b in ranges
            ]
            for process in processes:
                _, err = process.communicate(timeout=1800)
                if process.returncode != 0:
                    raise RuntimeError(f"a worker exited {process.returncode}: {err[-2000:]!r}")
            elapsed = time.perf_counter() - started
            assert _pg_fingerprint(url)[0] == rows
            return elapsed

        one = run([(days[0], days[-1])])
        two = run([(days[0], days[half - 1]), (days[half], days[-1])])
    speedup = one / two
    return Figure(
        benchmark="flatfiles-workers",
        what=f"PostgreSQL ({mode}): {len(days)} day files of {len(names):,} tickers "
        f"({rows:,} rows), two ingest --all processes on disjoint halves of the days at once",
        baseline=f"one process on all the days: {seconds(one)} ({rate(rows, one, 'rows')})",
        chronox=f"{seconds(two)} ({rate(rows, two, 'rows')})",
        ratio=speedup,
        ratio_label="faster",
        target="none (reported; 2 cores, shared with the server)",
        met=None,
        data={"one_s": one, "two_s": two, "rows": rows, "days": len(days)},
    )


# --- all of it ---------------------------------------------------------------------------


def run(
    calendar: TradingCalendar,
    quick: bool,
    postgres: str | None,
    timescale: str | None = None,
    sizes: Sizes | None = None,
    say: Callable[[str], None] = lambda _: None,
    *,
    day_only: bool = False,
    sqlite: bool = True,
) -> list[Figure]:
    """Every figure; PostgreSQL ones given ``postgres`` (an admin URL), TimescaleDB ones
    given ``timescale`` (the admin URL of a server that preloads it). ``day_only``: the
    day file's figures alone (no memory, registry or workers figure); ``sqlite``: SQLite's
    day figure too."""
    sizes = sizes or (QUICK if quick else FULL)
    figures: list[Figure] = []
    with S3Server() as server:
        say(f"writing the day file of {sizes.tickers:,} tickers")
        day = publish_day(server, DAY, tickers(sizes.tickers))
        say(f"{len(day.rows):,} rows, {day.compressed / 2**20:.1f} MB gzip")
        stores = [(label, url, mode) for label, url, mode in (
            ("PostgreSQL", postgres, "plain"), ("TimescaleDB", timescale, "timescale"),
        ) if url]  # fmt: skip
        for label, admin, mode in stores:
            timings = time_postgres_day(label, admin, mode, server, day, sizes.repeats)
            figures.append(day_figure(timings, day, "raw binary COPY", TARGET_POSTGRES))
            say(f"{label}: {figures[-1].chronox} against {figures[-1].baseline}")
        if sqlite:
            timings = time_sqlite_day(server, day, sizes.repeats)
            figures.append(day_figure(timings, day, "raw executemany", TARGET_SQLITE))
            say(f"SQLite: {figures[-1].chronox} against {figures[-1].baseline}")
        if day_only:
            return figures
        with tempfile.TemporaryDirectory() as folder:
            store = f"sqlite:///{folder}/memory.sqlite3"
            figures.append(memory_figure(server, day, store, "SQLite", "auto"))
        del day
        gc.collect()

        names = tickers(sizes.registry)
        sessions, absent = publish_month(server, calendar, names)
        with tempfile.TemporaryDirectory() as folder, chronox_environment(server, folder):
            t = time_registry("SQLite", f"sqlite:///{folder}/registry.sqlite3", server, names,
                              folder, absent)  # fmt: skip
            figures += registry_figures(t, len(sessions))
        if postgres:
            with (
                throwaway_store(postgres) as url,
                tempfile.TemporaryDirectory() as folder,
                chronox_environment(server, folder, "plain"),
            ):
                t = time_registry("PostgreSQL", url, server, names, folder, absent)
                figures += registry_figures(t, len(sessions))
        workers = timescale or postgres
        if workers:
            mode = "timescale" if timescale else "plain"
            figures.append(time_workers(workers, mode, server, calendar, sizes))
    return figures


def _arguments() -> Any:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes (a smoke run)")
    parser.add_argument("--tickers", type=int, help="tickers of the day file (10,000)")
    parser.add_argument("--repeats", type=int, help="repeats of each day figure (3)")
    parser.add_argument(
        "--day-only", action="store_true", help="the day file's figures alone (minutes less)"
    )
    parser.add_argument(
        "--stores", default="sqlite,postgres,timescale",
        help="which stores' day figures (comma-separated; default all that are up)",
    )  # fmt: skip
    return parser.parse_args()


if __name__ == "__main__":
    from dataclasses import replace

    from benchmarks.report import text_sections
    from chronox_adapters.calendars import ExchangeCalendar

    args = _arguments()
    wanted = set(args.stores.split(","))
    chosen = QUICK if args.quick else FULL
    chosen = replace(
        chosen,
        tickers=args.tickers or chosen.tickers,
        repeats=args.repeats or chosen.repeats,
    )
    admin: str | None = None
    try:
        from benchmarks import bench_postgres

        admin = bench_postgres.admin_url()
        if bench_postgres.unavailable(admin) is not None:
            admin = None
    except ImportError:
        pass
    started = time.perf_counter()
    result = run(
        ExchangeCalendar(),
        args.quick,
        admin if "postgres" in wanted else None,
        timescale_admin_url() if "timescale" in wanted else None,
        chosen,
        say=print,
        day_only=args.day_only,
        sqlite="sqlite" in wanted,
    )
    print(text_sections(result))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"({time.perf_counter() - started:.0f} s, this process's peak {peak} MB)")
