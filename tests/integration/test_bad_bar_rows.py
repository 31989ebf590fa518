"""A bar row written by hand into SQLite (text in a price column, a blob for a volume,
an infinite close, a start off the grid, a low above the open: SQLite's loose typing
lets them all in; PostgreSQL's takes NaN and infinity) is left out with a WARNING
naming it, by every reader: the rows, the columns, so ``bars`` in every format,
roll-ups, ``export``, the notebook and every format of ``GET /bars``. It never fails
the answer, nor passes into it."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository
from chronox_adapters.timescale import open_postgres
from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_entrypoints.api.app import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

M1 = Timeframe.M1
OPEN = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
BARS = 60
#: (what a hand wrote, the minute of the row it wrote it in)
DAMAGE = [
    ("open = 'garbage'", 5),
    ("volume = x'00ff'", 8),
    ("close = 1e999", 9),  # SQLite reads an out-of-range literal as infinity
    ("trades = 'many'", 10),
    ("trades = 2.5", 11),
    ("start = start + 0.5", 12),  # a real number where epoch seconds belong
    ("start = start + 7", 13),  # off the minute grid
    ("low = open + 1", 14),
    ("vwap = -1", 15),
]
GOOD = BARS - len(DAMAGE)


def epoch(minute: int) -> int:
    return int((OPEN + timedelta(minutes=minute)).timestamp())


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "hand.sqlite3"
    bars = [
        Bar("SPY", M1, OPEN + timedelta(minutes=i), 100.0, 101.0, 99.0, 100.5, 1_000.0, 100.2, 10)
        for i in range(BARS)
    ]
    covered = CoverageSpan(
        Interval(OPEN, OPEN + timedelta(minutes=BARS)), CoverageStatus.FINAL, "synthetic"
    )
    database = SqliteDatabase(str(path))
    SqliteRepository(database).write(BarBatch("SPY", M1, bars, "synthetic", None, (covered,)))
    database.close()
    with sqlite3.connect(path) as raw:
        for change, minute in DAMAGE:
            raw.execute(f"UPDATE bars_1m SET {change} WHERE start = ?", (epoch(minute),))
    raw.close()
    return path


def warned(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


WINDOW = Interval(OPEN, OPEN + timedelta(hours=2))


def test_the_rows_leave_out_each_bad_one_and_name_it(
    store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = SqliteDatabase(str(store))
    bars = list(SqliteRepository(database).bars("SPY", M1, WINDOW))
    database.close()
    assert len(bars) == GOOD
    assert all(isinstance(bar.open, float) and bar.close == 100.5 for bar in bars)
    assert f"{len(DAMAGE)} bar rows" in warned(caplog)
    assert "2024-11-25T14:35:00Z" in warned(caplog)  # the first, by its start


def test_the_columns_leave_out_each_bad_one_and_name_it(
    store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = SqliteDatabase(str(store))
    columns = SqliteRepository(database).bar_columns("SPY", M1, WINDOW)
    database.close()
    assert len(columns) == GOOD
    assert max(columns.close) == 100.5 and min(columns.vwap) > 0
    assert f"{len(DAMAGE)} bar rows" in warned(caplog)


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{store}", "CHRONOX_SOURCE": "synthetic"}
    return subprocess.run(
        ["chronox-cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


RANGE = ("--start", "2024-11-25", "--end", "2024-11-25")


@pytest.mark.parametrize(
    ("options", "lines"),
    [
        (["--format", "csv"], GOOD + 1),
        (["--format", "table"], GOOD + 1),
        (["--format", "json"], None),
        # Minutes 10-14 are all bad: their 5m slot has no bar to roll up.
        (["--format", "csv", "-t", "5m"], BARS // 5 - 1 + 1),
        (["--format", "csv", "-t", "1h"], 2 + 1),
    ],
    ids=["csv", "table", "json", "5m", "1h"],
)
def test_bars_answers_in_every_format_without_the_bad_rows(
    store: Path, options: list[str], lines: int | None
) -> None:
    answer = cli(store, "bars", "SPY", *RANGE, *options)
    assert answer.returncode == 0, answer.stderr
    assert "garbage" not in answer.stdout and "inf" not in answer.stdout
    if lines is None:
        assert len(json.loads(answer.stdout)["bars"]) == GOOD
    else:
        assert len(answer.stdout.splitlines()) == lines


def test_export_writes_the_good_rows(store: Path, tmp_path: Path) -> None:
    answer = cli(store, "export", "SPY", "--path", str(tmp_path / "ds"), *RANGE)
    assert answer.returncode == 0, answer.stderr
    table = pq.read_table(tmp_path / "ds")
    assert table.num_rows == GOOD


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_the_api_answers_every_format_without_the_bad_rows(store: Path, fmt: str) -> None:
    settings = Settings(store=f"sqlite:///{store}", source="synthetic")
    with TestClient(create_app(Container(settings=settings))) as api:
        answer = api.get(
            "/bars/SPY", params={"start": "2024-11-25", "end": "2024-11-25", "format": fmt}
        )
    assert answer.status_code == 200, answer.text
    if fmt == "json":
        assert len(answer.json()["bars"]) == GOOD
    elif fmt == "csv":
        assert len(answer.text.splitlines()) == GOOD + 1
    else:
        assert pq.read_table(io.BytesIO(answer.content)).num_rows == GOOD


#: What PostgreSQL's typed columns still take by hand: NaN, infinity, a negative
#: volume, a low above the open, a start off the grid.
PG_DAMAGE = [
    ("open = 'NaN'", 5),
    ("close = 'Infinity'", 6),
    ("volume = -5", 7),
    ("low = open + 1", 8),
    ("vwap = 'NaN'", 9),
    ("start = start + interval '7 seconds'", 10),
]


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[str]:
    bars = [
        Bar("SPY", M1, OPEN + timedelta(minutes=i), 100.0, 101.0, 99.0, 100.5, 1_000.0, 100.2, 10)
        for i in range(BARS)
    ]
    covered = CoverageSpan(
        Interval(OPEN, OPEN + timedelta(minutes=BARS)), CoverageStatus.FINAL, "synthetic"
    )
    with fresh_database(pg_url) as url:
        store = open_postgres(url, prefer="plain", max_size=2)
        try:
            store.repository.write(BarBatch("SPY", M1, bars, "synthetic", None, (covered,)))
        finally:
            store.close()
        with psycopg.connect(url) as raw:
            for change, minute in PG_DAMAGE:
                raw.execute(
                    f"UPDATE bars_1m SET {change} WHERE start = %s",
                    (OPEN + timedelta(minutes=minute),),
                )
        yield url


def test_postgres_readers_leave_out_rows_that_are_no_bars(
    pg_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_postgres(pg_store, prefer="plain", max_size=2)
    try:
        bars = list(store.repository.bars("SPY", M1, WINDOW))
        columns = store.repository.bar_columns("SPY", M1, WINDOW)
    finally:
        store.close()
    good = BARS - len(PG_DAMAGE)
    assert len(bars) == good and len(columns) == good
    assert all(bar.close == 100.5 and bar.volume == 1_000.0 for bar in bars)
    assert warned(caplog).count(f"{len(PG_DAMAGE)} bar rows") == 2


def test_postgres_bars_json_stays_json(pg_store: str) -> None:
    env = {**os.environ, "CHRONOX_STORE": pg_store, "CHRONOX_SOURCE": "synthetic"}
    answer = subprocess.run(
        ["chronox-cli", "bars", "SPY", *RANGE, "--format", "json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    assert "NaN" not in answer.stdout and "Infinity" not in answer.stdout
    assert len(json.loads(answer.stdout)["bars"]) == BARS - len(PG_DAMAGE)
