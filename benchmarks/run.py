"""Run the benchmarks of docs/benchmarks.md and print their figures.

    python3 benchmarks/run.py                 # the full run (a few minutes at most)
    python3 benchmarks/run.py --quick         # a smoke run with small sizes
    python3 benchmarks/run.py --no-postgres   # without the PostgreSQL benchmarks
    python3 benchmarks/run.py --no-api        # without the REST API load (minutes of it)
    python3 benchmarks/run.py --only vendor   # one group: core, postgres, redis, api, vendor,
                                              # startup, adjust, listing or memory
    python3 benchmarks/run.py --only adjust listing memory   # several groups
    python3 benchmarks/run.py --only flatfiles   # issue 20: the whole market (minutes)
    python3 benchmarks/run.py --only universe    # issues 20-22: the ledger at 10,000 symbols
    python3 benchmarks/run.py --only dashboard   # issue 21: the web dashboard in Chromium (minutes)
    python3 benchmarks/run.py --json out.json --markdown out.md

The PostgreSQL benchmarks run when the server of ``CHRONOX_BENCH_PG`` (an admin URL,
by default postgresql://postgres@127.0.0.1:5432/test) is reachable, in a database of
their own that is dropped at the end; otherwise the run says why it skipped them.

Every figure is a ratio of two things measured in this run, on the same data (times,
request counts, memory). A target that is not met is reported, never turned into a
failing exit code; only a correctness check (both sides must produce the same rows or
the same gaps, adjusted prices must be the raw ones over the split's ratio) can fail a
run.

The run is a list of steps. Each says when it starts (a line ``-- what it measures``) and
prints its tables as soon as it ends, so a run of minutes shows its first figures at
once and a run cut short keeps what it had measured; the targets missed close the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on the path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import importlib
import json
import os
import platform
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TextIO

from benchmarks import (
    bench_adjust,
    bench_gaps,
    bench_ingest,
    bench_listing,
    bench_polygon,
    bench_startup,
    bench_universe,
    bench_vendor,
)
from benchmarks.report import TITLES, markdown, text_sections, text_table
from benchmarks.timing import Figure
from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.ports import TradingCalendar
from chronox_domain.redaction import redact

COMMAND = "python3 benchmarks/run.py"

__all__ = ["TITLES", "Sizes", "Step", "collect", "main", "markdown", "run_steps", "text_table"]


@dataclass(frozen=True, slots=True)
class Sizes:
    bars: int = 200_000
    ingest_repeats: int = 7
    repeats: int = 9
    symbols: int = 500
    #: How many of ``symbols`` the per-minute scan times (the rest is extrapolated).
    scanned: int = 5
    #: PostgreSQL: symbols x consecutive minutes written, one batch per 50,000 bars.
    pg_symbols: int = 20
    pg_minutes: int = 50_000
    pg_repeats: int = 5
    #: Rows the row-at-a-time INSERT loop times (the rest is extrapolated).
    pg_row_loop: int = 10_000
    pg_gap_symbols: int = 500
    #: Sessions of 2024 the read covers (252: the whole year).
    pg_read_sessions: int = 252


FULL = Sizes()
QUICK = Sizes(
    bars=5_000,
    ingest_repeats=1,
    repeats=3,
    symbols=50,
    scanned=2,
    pg_symbols=2,
    pg_minutes=10_000,
    pg_repeats=1,
    pg_row_loop=1_000,
    pg_gap_symbols=50,
    pg_read_sessions=20,
)


#: The groups ``--only`` picks from.
GROUPS = (
    "core", "postgres", "redis", "api", "vendor", "startup", "adjust", "listing", "memory",
    "flatfiles", "universe", "dashboard",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a run: what it measures, said as it starts, and the call that does."""

    what: str
    measure: Callable[[], list[Figure]]


def run_steps(steps: Sequence[Step], out: TextIO | None = None) -> list[Figure]:
    """Every step's figures, in order; with ``out``, each step's start and then, as soon
    as it ends, its tables (flushed: a run of minutes shows its figures as they come)."""
    figures: list[Figure] = []
    for step in steps:
        if out is not None:
            print(f"\n-- {step.what}", file=out, flush=True)
        measured = step.measure()
        if out is not None:
            print(text_sections(measured), end="", file=out, flush=True)
        figures += measured
    return figures


def core_steps(sizes: Sizes, calendar: TradingCalendar, seed: int = 2024) -> list[Step]:
    """The benchmarks that need no server."""
    return [
        Step("SQLite ingest", lambda: bench_ingest.run(calendar, sizes.bars, sizes.ingest_repeats)),
        Step(
            "find_gaps, one symbol-year",
            lambda: bench_gaps.one_symbol_year(calendar, sizes.repeats, seed),
        ),
        Step(
            "find_gaps, many symbol-years",
            lambda: bench_gaps.many_symbol_years(
                calendar, sizes.symbols, sizes.scanned, sizes.repeats, seed
            ),
        ),
        Step(
            "Polygon: parsing a page, a backfill from the stub",
            lambda: bench_polygon.run(calendar, sizes.repeats, quick=sizes.bars < 100_000),
        ),
    ]


def postgres_step(sizes: Sizes, calendar: TradingCalendar, seed: int, postgres: str) -> Step:
    return Step(
        "PostgreSQL: writing, the gap scan, reading",
        lambda: _postgres_figures(sizes, calendar, seed, postgres),
    )


def collect(
    sizes: Sizes,
    calendar: TradingCalendar,
    seed: int = 2024,
    postgres: str | None = None,
    out: TextIO | None = None,
) -> list[Figure]:
    """Every core figure; the PostgreSQL ones too given ``postgres``, an admin URL. With
    ``out``, each step's tables are printed there as soon as the step ends."""
    steps = core_steps(sizes, calendar, seed)
    if postgres is not None:
        steps.append(postgres_step(sizes, calendar, seed, postgres))
    return run_steps(steps, out)


def _postgres_figures(
    sizes: Sizes, calendar: TradingCalendar, seed: int, postgres: str
) -> list[Figure]:
    from benchmarks import bench_postgres  # needs psycopg, the optional [postgres] extra

    return bench_postgres.run(
        postgres,
        calendar,
        seed,
        symbols=sizes.pg_symbols,
        minutes=sizes.pg_minutes,
        repeats=sizes.pg_repeats,
        row_loop=sizes.pg_row_loop,
        gap_symbols=sizes.pg_gap_symbols,
        read_sessions=sizes.pg_read_sessions,
    )


def environment(argv: Sequence[str], postgres: str | None) -> dict[str, str]:
    env = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([COMMAND, *argv]),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
    }
    if postgres is not None:
        from benchmarks import bench_postgres

        env |= bench_postgres.versions(postgres)
    return env


def _postgres(skip: bool) -> str | None:
    """The admin URL to benchmark PostgreSQL through, or None (having said why not)."""
    if skip:
        print("PostgreSQL benchmarks skipped: --no-postgres (or --only another group)", flush=True)
        return None
    try:
        from benchmarks import bench_postgres
    except ImportError as exc:  # psycopg is the optional [postgres] extra
        print(f"PostgreSQL benchmarks skipped: {exc}", flush=True)
        return None
    url = bench_postgres.admin_url()
    reason = bench_postgres.unavailable(url)
    if reason is not None:
        print(f"PostgreSQL benchmarks skipped: {redact(url)}: {reason}", flush=True)
        return None
    return url


def _redis_figures(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    """Events and workers, when Redis answers (loopback only)."""
    try:
        import redis

        from benchmarks import bench_fanout, bench_redis

        redis.Redis.from_url(bench_fanout.REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:  # not installed, not running: say so and go on
        print(f"Redis benchmarks skipped: {exc}", flush=True)
        return []
    return [*(Figure(**row) for row in bench_redis.run(quick)), *bench_fanout.run(calendar, quick)]


def _api_figures(quick: bool, postgres: str | None) -> list[Figure]:
    """GET /bars from `chronox-cli serve` on loopback: SQLite, and PostgreSQL when it runs."""
    try:
        for name in ("fastapi", "uvicorn", "httpx"):  # the [api] extra, and the client
            importlib.import_module(name)
        from benchmarks import bench_api
    except ImportError as exc:
        print(f"REST API benchmark skipped: {exc}", flush=True)
        return []
    return bench_api.run(quick, postgres)


def _memory_figures(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    """GET /bars, chronox-cli bars and check_frame over long ranges (issue 18)."""
    try:
        for name in ("fastapi", "httpx", "pandas", "pyarrow"):  # [api], [frames], the client
            importlib.import_module(name)
        from benchmarks import bench_memory
    except ImportError as exc:
        print(f"Memory benchmarks skipped: {exc}", flush=True)
        return []
    return bench_memory.run(calendar, quick)


def _flatfiles_figures(
    calendar: TradingCalendar, quick: bool, postgres: str | None
) -> list[Figure]:
    """Issue 20: a whole-market day file from moto's S3 server into each store, peak
    memory, 10,000 registry symbols, 1 vs 2 workers (TimescaleDB too when
    CHRONOX_BENCH_TIMESCALE or CHRONOX_TEST_TIMESCALE names its server)."""
    try:
        for name in ("boto3", "moto", "fastapi", "httpx"):  # [flatfiles], [test], [api]
            importlib.import_module(name)
        from benchmarks import bench_flatfiles
    except ImportError as exc:
        print(f"Flat-files benchmarks skipped: {exc}", flush=True)
        return []
    timescale = bench_flatfiles.timescale_admin_url()
    if timescale is not None:
        from benchmarks import bench_postgres

        reason = bench_postgres.unavailable(timescale)
        if reason is not None:
            print(f"TimescaleDB skipped: {redact(timescale)}: {reason}", flush=True)
            timescale = None
    say = print if not quick else (lambda _: None)
    return bench_flatfiles.run(calendar, quick, postgres, timescale, say=say)


def _dashboard_figures(quick: bool) -> list[Figure]:
    """Issue 21: the web dashboard in Debian's headless Chromium against a served API."""
    try:
        for name in ("playwright", "fastapi", "uvicorn"):  # [test], [api]
            importlib.import_module(name)
        from benchmarks import bench_dashboard
    except ImportError as exc:
        print(f"Dashboard benchmarks skipped: {exc}", flush=True)
        return []
    say = print if not quick else (lambda _: None)
    return bench_dashboard.run(quick, say=say)


def _wanted(args: argparse.Namespace, group: str, skipped: bool = False) -> bool:
    return group in args.only if args.only else not skipped


def planned_steps(
    args: argparse.Namespace, sizes: Sizes, calendar: TradingCalendar, postgres: str | None
) -> list[Step]:
    """The steps the command line asks for, in the order of the groups."""
    steps = core_steps(sizes, calendar, args.seed) if _wanted(args, "core") else []
    if postgres is not None and _wanted(args, "postgres"):
        steps.append(postgres_step(sizes, calendar, args.seed, postgres))
    if _wanted(args, "redis", args.no_redis):
        steps.append(
            Step(
                "Redis: publishing, live latency, 1 vs 3 workers",
                lambda: _redis_figures(calendar, args.quick),
            )
        )
    if _wanted(args, "api", args.no_api):
        steps.append(
            Step("REST API: GET /bars under load", lambda: _api_figures(args.quick, postgres))
        )
    if _wanted(args, "vendor", args.no_vendor):
        steps.append(
            Step("the vendor's limit and its 429s", lambda: bench_vendor.run(calendar, args.quick))
        )
    if _wanted(args, "startup"):
        steps.append(
            Step("CLI start-up", lambda: bench_startup.run(repeats=5 if args.quick else 15))
        )
    if _wanted(args, "adjust"):
        stores = "SQLite and PostgreSQL" if postgres else "SQLite"
        what = f"adjust on read: raw vs the splits and all bases, {stores}"
        repeats = sizes.repeats if args.quick else bench_adjust.REPEATS
        steps.append(Step(what, lambda: bench_adjust.run(calendar, args.quick, postgres, repeats)))
    if _wanted(args, "listing"):
        steps.append(
            Step(
                "the listing period: requests with the listing unknown vs known",
                lambda: bench_listing.run(calendar, args.quick),
            )
        )
    if _wanted(args, "memory"):
        steps.append(
            Step(
                "memory of long answers: GET /bars, chronox-cli bars, check_frame",
                lambda: _memory_figures(calendar, args.quick),
            )
        )
    if _wanted(args, "universe", skipped=True):  # minutes at full size: asked by name
        stores = "SQLite and PostgreSQL" if postgres else "SQLite"
        steps.append(
            Step(
                f"the ledger at universe scale: 10,000 symbols ({stores})",
                lambda: bench_universe.run(calendar, args.quick, postgres, say=print),
            )
        )
    if _wanted(args, "flatfiles", skipped=True):  # minutes at full size: asked by name
        stores = "SQLite and PostgreSQL" if postgres else "SQLite"
        steps.append(
            Step(
                f"flat files: a whole-market day, 10,000 registry symbols, workers ({stores})",
                lambda: _flatfiles_figures(calendar, args.quick, postgres),
            )
        )
    if _wanted(args, "dashboard", skipped=True):  # minutes (the seeding): asked by name
        steps.append(
            Step(
                "the web dashboard in Chromium: first paints, frames while panning 1M bars",
                lambda: _dashboard_figures(args.quick),
            )
        )
    return steps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables as Markdown")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random ledgers")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL benchmarks")
    parser.add_argument("--no-redis", action="store_true", help="skip the Redis benchmarks")
    parser.add_argument("--no-api", action="store_true", help="skip the REST API benchmark")
    parser.add_argument("--no-vendor", action="store_true", help="skip the vendor benchmarks")
    parser.add_argument(
        "--only", nargs="+", choices=GROUPS, metavar="GROUP", help=f"run these groups: {GROUPS}"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    # PostgreSQL serves its own group and the adjust-on-read one.
    groups = ("postgres", "adjust", "flatfiles", "universe")
    uses_postgres = any(_wanted(args, group) for group in groups)
    postgres = _postgres(args.no_postgres or not uses_postgres)
    env = environment(sys.argv[1:] if argv is None else argv, postgres)
    print(", ".join(f"{key}: {value}" for key, value in env.items()), flush=True)
    steps = planned_steps(args, sizes, ExchangeCalendar(), postgres)
    figures = run_steps(steps, sys.stdout)

    missed = [figure.what for figure in figures if figure.met is False]
    print(f"\ntargets missed: {len(missed)}" + "".join(f"\n  - {what}" for what in missed))

    if args.json:
        document = {
            "environment": env,
            "sizes": asdict(sizes),
            "figures": [asdict(f) for f in figures],
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
