"""`benchmarks/bench_universe.py` still runs at toy size, and its figures check what
they claim (the gaps found are exactly the absent ticker-days, the matrix's cells too);
the figures themselves belong to docs/benchmarks.md."""

from __future__ import annotations

import pytest

from benchmarks.bench_universe import Sizes, run, universe
from benchmarks.report import TITLES
from chronox_adapters.calendars import ExchangeCalendar

TOY = Sizes(symbols=120, repeats=1, dense=5)


def test_the_toy_universe_has_its_absent_days(calendar: ExchangeCalendar) -> None:
    u = universe(calendar, TOY)
    assert len(u.month) == 22 and u.history == []
    assert 0 < u.absent < len(u.names) * len(u.month) // 50


def test_the_universe_figures_are_rows_of_run_py(calendar: ExchangeCalendar) -> None:
    figures = run(calendar, quick=True, postgres=None, sizes=TOY)
    kinds = [figure.benchmark for figure in figures]
    assert kinds == ["universe-gaps", "universe-matrix", "universe-matrix"]
    assert all(figure.benchmark in TITLES for figure in figures)
    assert figures[0].data["symbols"] == 120 and figures[0].data["spans"] > 0


def test_on_postgres_too(calendar: ExchangeCalendar) -> None:
    pytest.importorskip("psycopg", reason="psycopg (the [postgres] extra) is not installed")
    from benchmarks import bench_postgres

    admin = bench_postgres.admin_url()
    if bench_postgres.unavailable(admin) is not None:
        pytest.skip(f"PostgreSQL not reachable at {admin}")
    figures = run(calendar, quick=True, postgres=admin, sizes=Sizes(120, 1, matrix=False, dense=5))
    labels = [figure.what.split(":")[0] for figure in figures]
    assert labels == ["SQLite", "SQLite", "PostgreSQL", "PostgreSQL"]
