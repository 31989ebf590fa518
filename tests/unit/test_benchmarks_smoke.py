"""`benchmarks/run.py` still runs end to end and produces every figure.

Tiny sizes and one repeat: this checks the script, not the speed. Timing belongs to the
benchmarks themselves (docs/benchmarks.md), never to an assertion in a test. The
PostgreSQL ones run in a throwaway database of their own, and skip without a server.
"""

from __future__ import annotations

import io
import json

import pytest

from benchmarks import bench_adjust
from benchmarks.run import TITLES, Sizes, collect, main, markdown, text_table
from chronox_adapters.calendars import ExchangeCalendar

TINY = Sizes(bars=800, ingest_repeats=1, repeats=1, symbols=3, scanned=1)


def test_the_benchmarks_produce_every_figure(calendar: ExchangeCalendar) -> None:
    figures = collect(TINY, calendar)

    assert [figure.benchmark for figure in figures] == [
        "ingest", "ingest", "gaps", "gaps", "many", "polygon-parse", "polygon-backfill",
    ]  # fmt: skip
    assert all(figure.ratio > 0 for figure in figures)
    assert figures[0].data["bars"] >= TINY.bars
    report = markdown(figures)
    keys = ("ingest", "gaps", "many", "polygon-parse", "polygon-backfill")
    assert all(f"## {TITLES[key]}" in report for key in keys)
    assert text_table(figures).count("\n") > len(figures)
    json.dumps([figure.data for figure in figures])  # the --json payload serialises


def test_each_steps_figures_are_printed_before_the_next_step_starts(
    calendar: ExchangeCalendar,
) -> None:
    """A full run takes minutes: each step's tables come out as it ends, not all at the
    end. Every step says when it starts (``-- ...``), so the order of the lines shows it."""
    out = io.StringIO()
    figures = collect(TINY, calendar, out=out)

    lines = out.getvalue().splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("-- ")]
    steps = [("ingest",), ("gaps",), ("many",), ("polygon-parse", "polygon-backfill")]
    assert len(starts) == len(steps)
    for keys, start, end in zip(steps, starts, [*starts[1:], len(lines)], strict=True):
        printed = "\n".join(lines[start:end])
        for key in keys:  # between this step's start and the next's: its own tables
            table = text_table([figure for figure in figures if figure.benchmark == key])
            assert f"{TITLES[key]}\n{table}" in printed, key


def test_the_postgres_benchmarks_produce_every_figure(calendar: ExchangeCalendar) -> None:
    pytest.importorskip("psycopg", reason="psycopg (the [postgres] extra) is not installed")
    from benchmarks import bench_postgres

    admin = bench_postgres.admin_url()
    reason = bench_postgres.unavailable(admin)
    if reason is not None:
        pytest.skip(f"PostgreSQL not reachable for the benchmarks: {reason}")

    figures = bench_postgres.run(
        admin,
        calendar,
        2024,
        symbols=2,
        minutes=600,
        repeats=1,
        row_loop=50,
        gap_symbols=3,
        read_sessions=3,
    )

    assert [figure.benchmark for figure in figures] == [
        *["pg-write"] * 4,
        "pg-gaps",
        *["pg-read"] * 2,
    ]
    assert all(figure.ratio > 0 for figure in figures)
    assert figures[0].data["bars"] == 2 * 600
    assert all(
        f"## {TITLES[key]}" in markdown(figures) for key in ("pg-write", "pg-gaps", "pg-read")
    )
    json.dumps([figure.data for figure in figures])


def test_the_adjust_on_read_benchmark_checks_both_sides_and_times_them(
    calendar: ExchangeCalendar,
) -> None:
    """Issue 19: the raw read against the read on the splits and all bases (SQLite here;
    the PostgreSQL side is the same code over another store)."""
    figures = bench_adjust.run(calendar, quick=True, postgres=None, repeats=1)

    assert [figure.benchmark for figure in figures] == ["adjust"] * 3
    every_bar, three_splits, dividends = (figure.data for figure in figures)
    assert every_bar["scaled"] == every_bar["bars"] > 0  # all of 2019 before the 4:1
    assert 0 < three_splits["scaled"] < three_splits["bars"]  # the 4:1 of 2020-08-31 inside
    assert dividends["scaled"] == dividends["bars"] > 0  # the 4:1 of 2020 is after them
    assert all(figure.ratio > 0 for figure in figures)


def test_the_memory_benchmark_measures_each_long_answer(calendar: ExchangeCalendar) -> None:
    """Issue 18: GET /bars, chronox-cli bars and check_frame, at smoke sizes."""
    pytest.importorskip("fastapi")
    from benchmarks import bench_memory

    figures = bench_memory.run(calendar, quick=True)

    assert [figure.benchmark for figure in figures] == [
        *["memory-api"] * 2, *["memory-cli"] * 2, "memory-check",
    ]  # fmt: skip
    assert all(figure.ratio > 0 for figure in figures)
    assert all(figure.data["rss_bytes"] > 10 * 2**20 for figure in figures[2:4])
    assert f"## {TITLES['memory-check']}" in markdown(figures)


def test_only_listing_runs_that_group_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """``--only listing`` is the listing benchmark as one of run.py's steps."""
    assert main(["--quick", "--only", "listing"]) == 0

    printed = capsys.readouterr().out
    assert f"{TITLES['listing']}\n" in printed
    assert "targets missed: 0" in printed
    assert TITLES["ingest"] not in printed and "PostgreSQL benchmarks skipped" in printed


def test_the_flatfiles_benchmark_checks_both_sides_and_times_them(
    calendar: ExchangeCalendar,
) -> None:
    """Issue 20: a day file from moto's S3 server into SQLite against executemany (both
    sides' rows checked equal), peak memory, and the registry figures, at toy sizes.
    The PostgreSQL side is the same code over another store."""
    for name in ("boto3", "moto", "fastapi", "httpx"):
        pytest.importorskip(name)
    from benchmarks import bench_flatfiles

    tiny = bench_flatfiles.Sizes(tickers=12, repeats=1, registry=25, worker_tickers=5)
    figures = bench_flatfiles.run(calendar, quick=True, postgres=None, sizes=tiny)

    assert [figure.benchmark for figure in figures] == [
        "flatfiles-day", "flatfiles-memory", *["flatfiles-registry"] * 5,
    ]  # fmt: skip
    assert figures[0].data["rows"] == figures[0].data["bars_written"] > 0
    assert all(figure.ratio >= 0 for figure in figures)
    assert f"## {TITLES['flatfiles-registry']}" in markdown(figures)
    json.dumps([figure.data for figure in figures])
