"""Reads never wait for a writer: another process holding the SQLite store's write lock
(``BEGIN IMMEDIATE`` and an insert, not committed) delays no read command, because a WAL
reader needs no lock and opening an up-to-date store takes none."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry
from chronox_adapters.sqlite.schema import LATEST_VERSION, MIGRATIONS
from chronox_domain.errors import StorageUnavailable
from chronox_domain.registry import SymbolEntry

pytestmark = pytest.mark.integration

#: Holds the store's write lock until its stdin closes; says "holding" once it does.
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO symbols (symbol, timeframes, session) VALUES ('HELD', '1m', 'rth')")
print("holding", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""

READS = [
    ["registry", "list"],
    ["info"],
    ["gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-26"],
    ["bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-26"],
]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite3"
    database = SqliteDatabase(str(path))
    SqliteRegistry(database).put(SymbolEntry("SPY"))
    database.close()
    return path


@pytest.fixture
def writer_holding(store: Path) -> Iterator[subprocess.Popen[str]]:
    """A second process in the middle of a write transaction on ``store``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    yield holder
    if holder.poll() is None:
        holder.communicate("", timeout=10)


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{store}", "CHRONOX_SOURCE": "synthetic"}
    return subprocess.run(
        ["chronox-cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", READS, ids=lambda command: " ".join(command[:2]))
def test_read_commands_do_not_wait_for_a_writer(
    store: Path, writer_holding: subprocess.Popen[str], command: list[str]
) -> None:
    started = time.monotonic()
    answer = cli(store, *command)
    took = time.monotonic() - started
    assert answer.returncode == 0, answer.stderr
    assert "locked" not in answer.stderr
    assert took < 5.0, f"{' '.join(command)} took {took:.1f} s behind a writer"


def test_opening_an_up_to_date_store_takes_no_write_lock(
    store: Path, writer_holding: subprocess.Popen[str]
) -> None:
    started = time.monotonic()
    database = SqliteDatabase(str(store))
    assert [entry.symbol for entry in SqliteRegistry(database).entries()] == ["SPY"]
    database.close()
    assert time.monotonic() - started < 1.0


def test_a_write_waits_for_a_writer_that_finishes(
    store: Path, writer_holding: subprocess.Popen[str]
) -> None:
    database = SqliteDatabase(str(store), lock_wait=10.0)
    threading.Timer(0.5, writer_holding.communicate, args=("",)).start()
    started = time.monotonic()
    SqliteRegistry(database).put(SymbolEntry("QQQ"))  # waits until the holder rolls back
    assert 0.4 < time.monotonic() - started < 5.0
    assert [entry.symbol for entry in SqliteRegistry(database).entries()] == ["QQQ", "SPY"]
    database.close()


def test_a_write_behind_a_writer_that_never_finishes_fails_in_one_line_on_time(
    store: Path, writer_holding: subprocess.Popen[str]
) -> None:
    database = SqliteDatabase(str(store), lock_wait=1.0)
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as failure:
        SqliteRegistry(database).put(SymbolEntry("QQQ"))
    assert 1.0 <= time.monotonic() - started < 2.0
    assert str(failure.value) == (
        f"SQLite store {store} is busy: another process has held its write lock for 1 s"
    )
    database.close()


def a_store_one_migration_behind(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        for version, script in enumerate(MIGRATIONS[:-1], start=1):
            raw.executescript(script)
            raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            raw.execute("INSERT INTO schema_version VALUES (?, 'then')", (version,))
    raw.close()


def test_db_status_reads_the_schema_and_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "behind.sqlite3"
    a_store_one_migration_behind(path)
    answer = cli(path, "db", "status", "--json")
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert (report["version"], report["latest"]) == (LATEST_VERSION - 1, LATEST_VERSION)
    assert report["pending"] == [f"{LATEST_VERSION:04d}"]
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT max(version) FROM schema_version").fetchone() == (
            LATEST_VERSION - 1,
        )
    raw.close()
    migrated = json.loads(cli(path, "db", "migrate", "--json").stdout)
    assert (migrated["version"], migrated["pending"]) == (LATEST_VERSION, [])


def test_db_status_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.sqlite3"
    answer = cli(path, "db", "status", "--json")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["version"] == 0
    assert not path.exists()
