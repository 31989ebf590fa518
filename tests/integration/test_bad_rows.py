"""One bad row written by hand into a store (an unknown timeframe, a symbol that does
not validate, a value of the wrong type, which SQLite's loose typing lets in) is skipped
with a WARNING naming it: it never breaks a listing, a coverage read or ``info``."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository
from chronox_adapters.timescale import open_postgres
from chronox_domain import BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_domain.registry import SymbolEntry
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
SPAN = CoverageSpan(Interval(T0, T0 + timedelta(hours=1)), CoverageStatus.FINAL, "test")

#: (symbol, timeframes, session, active) rows no chronox would write.
BAD_REGISTRY_ROWS = [
    ("BAD!", "1m", "rth", 1),  # a symbol that does not validate
    ("WEIRD", "1m,7m", "rth", 1),  # an unknown timeframe
    ("NOSESSION", "1m", "overnight", 1),  # an unknown session
    ("EMPTY", "", "rth", 1),  # no timeframe at all
    ("MAYBE", "1m", "rth", "maybe"),  # text where a flag belongs
]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Path:
    path = tmp_path / "bad.sqlite3"
    database = SqliteDatabase(str(path))
    SqliteRegistry(database).put(SymbolEntry("SPY"))
    SqliteRepository(database).write(BarBatch("SPY", Timeframe.M1, [], "test", None, (SPAN,)))
    database.close()
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO symbols (symbol, timeframes, session, active) VALUES (?, ?, ?, ?)",
            BAD_REGISTRY_ROWS,
        )
        raw.execute(
            "INSERT INTO coverage (symbol, timeframe, start, \"end\", status, source, answered_at)"
            " VALUES ('SPY', '1m', 'noon', 'later', 'final', 'hand', NULL)"
        )
    raw.close()
    return path


def warned(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_sqlite_registry_lists_the_good_rows_and_names_the_bad(
    sqlite_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = SqliteDatabase(str(sqlite_store))
    registry = SqliteRegistry(database)
    assert registry.entries() == [SymbolEntry("SPY")]
    assert registry.entries(active_only=True) == [SymbolEntry("SPY")]
    assert registry.get("WEIRD") is None
    for symbol, *_ in BAD_REGISTRY_ROWS:
        assert repr(symbol) in warned(caplog)
    database.close()


def test_sqlite_coverage_skips_a_row_it_cannot_read(
    sqlite_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = SqliteDatabase(str(sqlite_store))
    repository = SqliteRepository(database)
    assert repository.coverage("SPY", Timeframe.M1) == [SPAN]
    assert "'noon'" in warned(caplog)
    # A write merging into the ledger is not stopped by it either.
    next_hour = Interval(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    later = CoverageSpan(next_hour, CoverageStatus.FINAL, "test")
    repository.write(BarBatch("SPY", Timeframe.M1, [], "test", None, (later,)))
    assert [s.interval for s in repository.coverage("SPY", Timeframe.M1)] == [
        Interval(T0, T0 + timedelta(hours=2))
    ]
    database.close()


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{store}", "CHRONOX_SOURCE": "synthetic"}
    return subprocess.run(
        ["chronox-cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "command",
    [
        ["registry", "list"],
        ["info"],
        ["gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-25"],
    ],
    ids=lambda command: command[0],
)
def test_sqlite_commands_answer_despite_bad_rows(sqlite_store: Path, command: list[str]) -> None:
    answer = cli(sqlite_store, *command)
    assert answer.returncode == 0, answer.stderr
    assert "Traceback" not in answer.stderr
    if command[0] == "registry":
        assert "SPY" in answer.stdout and "WEIRD" not in answer.stdout


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[str]:
    with fresh_database(pg_url) as url:
        yield url


def test_postgres_registry_lists_the_good_rows_and_names_the_bad(
    pg_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_postgres(pg_store, prefer="plain", max_size=2)
    try:
        store.registry.put(SymbolEntry("SPY"))
        with psycopg.connect(pg_store) as raw, raw.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO symbols VALUES (%s, %s, 'rth', true)",
                [("BAD!", ["1m"]), ("WEIRD", ["1m", "7m"]), ("EMPTY", []), ("NULL", [None])],
            )
        assert store.registry.entries() == [SymbolEntry("SPY")]
        assert store.registry.get("WEIRD") is None
        for symbol in ("BAD!", "WEIRD", "EMPTY", "NULL"):
            assert repr(symbol) in warned(caplog)
    finally:
        store.close()


#: Ledger rows PostgreSQL takes and no datetime holds (its timestamps reach past year
#: 9999 and to +-infinity): what a hand or another tool may write.
BAD_LEDGER_ROWS = [
    ("2023-01-03 14:30+00", "infinity", None),
    ("-infinity", "2023-01-04 14:30+00", None),
    ("2023-01-05 14:30+00", "10000-01-01 00:00+00", None),
    ("2023-01-06 14:30+00", "2023-01-06 21:00+00", "infinity"),
]


def test_postgres_ledger_skips_a_row_no_datetime_holds(
    pg_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_postgres(pg_store, prefer="plain", max_size=2)
    try:
        store.repository.write(BarBatch("SPY", Timeframe.M1, [], "test", None, (SPAN,)))
        with psycopg.connect(pg_store) as raw, raw.cursor() as cursor:
            cursor.executemany(
                'INSERT INTO coverage (symbol, timeframe, start, "end", status, source, '
                "answered_at) VALUES ('SPY', '1m', %s, %s, 'final', 'hand', %s)",
                BAD_LEDGER_ROWS,
            )
        assert store.repository.coverage("SPY", Timeframe.M1) == [SPAN]
        for start, *_ in BAD_LEDGER_ROWS:
            assert "'-infinity'" in warned(caplog) or start != "-infinity"
        assert warned(caplog).count("coverage row") == len(BAD_LEDGER_ROWS)
        # A write merging into the ledger is not stopped by them either.
        next_hour = Interval(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
        later = CoverageSpan(next_hour, CoverageStatus.FINAL, "test")
        store.repository.write(BarBatch("SPY", Timeframe.M1, [], "test", None, (later,)))
        assert [s.interval for s in store.repository.coverage("SPY", Timeframe.M1)] == [
            Interval(T0, T0 + timedelta(hours=2))
        ]
    finally:
        store.close()


def test_postgres_gaps_answer_despite_a_ledger_row_no_datetime_holds(pg_store: str) -> None:
    store = open_postgres(pg_store, prefer="plain", max_size=2)
    try:
        store.repository.write(BarBatch("SPY", Timeframe.M1, [], "test", None, (SPAN,)))
    finally:
        store.close()
    with psycopg.connect(pg_store) as raw:
        raw.execute(
            'INSERT INTO coverage (symbol, timeframe, start, "end", status, source) '
            "VALUES ('SPY', '1m', '2024-11-26 14:30+00', 'infinity', 'final', 'hand')"
        )
    env = {**os.environ, "CHRONOX_STORE": pg_store, "CHRONOX_SOURCE": "synthetic"}
    answer = subprocess.run(
        ["chronox-cli", "gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-27"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    assert "2024-11-26" in answer.stdout  # the row proves nothing: that day is a gap
