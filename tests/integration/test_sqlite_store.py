"""SQLite specifics: WAL, schema versions, and all-or-nothing batches on a real file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository, path_from_url
from chronox_adapters.sqlite.database import stored_schema_version
from chronox_adapters.sqlite.schema import LATEST_VERSION
from chronox_domain import (
    Bar,
    BarBatch,
    CoverageSpan,
    CoverageStatus,
    Interval,
    InvalidInput,
    SchemaMismatch,
    StorageUnavailable,
    Timeframe,
)

pytestmark = pytest.mark.integration

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)


def test_a_new_store_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    database = SqliteDatabase(str(tmp_path / "s.db"))
    assert database.version == LATEST_VERSION
    (mode,) = database.connection.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"
    database.close()
    reopened = SqliteDatabase(str(tmp_path / "s.db"))  # migrating twice is a no-op
    assert reopened.version == LATEST_VERSION
    reopened.close()


def test_a_store_from_a_newer_chronox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SqliteDatabase(str(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO schema_version VALUES (?, 'later')", (LATEST_VERSION + 1,))
    with pytest.raises(SchemaMismatch, match="newer"):
        SqliteDatabase(str(path))


def test_store_urls() -> None:
    assert path_from_url("sqlite:///data/x.db") == "data/x.db"
    assert path_from_url("sqlite:////abs/x.db") == "/abs/x.db"
    with pytest.raises(InvalidInput):
        path_from_url("sqlite://")


def test_a_failing_batch_leaves_neither_bars_nor_coverage(tmp_path: Path) -> None:
    database = SqliteDatabase(str(tmp_path / "s.db"))
    repository = SqliteRepository(database)
    good = Bar("SPY", Timeframe.M1, T0, 1.0, 2.0, 0.5, 1.5, 10.0)
    broken = good._replace(start=T0 + timedelta(minutes=1), open=None)  # NOT NULL violation
    coverage = (CoverageSpan(Interval(T0, T0 + timedelta(minutes=2)), CoverageStatus.FINAL, "x"),)
    with pytest.raises(StorageUnavailable):
        repository.write(BarBatch("SPY", Timeframe.M1, [good, broken], "x", None, coverage))
    window = Interval(T0, T0 + timedelta(hours=1))
    assert list(repository.bars("SPY", Timeframe.M1, window)) == []
    assert repository.coverage("SPY", Timeframe.M1) == []
    # The connection is usable again afterwards.
    assert repository.write(BarBatch("SPY", Timeframe.M1, [good], "x", None, coverage)) == 1
    database.close()


def test_two_connections_to_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    writer, reader = SqliteDatabase(path), SqliteDatabase(path)
    bar = Bar("SPY", Timeframe.M1, T0, 1.0, 2.0, 0.5, 1.5, 10.0)
    SqliteRepository(writer).write(BarBatch("SPY", Timeframe.M1, [bar], "x", None))
    window = Interval(T0, T0 + timedelta(minutes=1))
    assert list(SqliteRepository(reader).bars("SPY", Timeframe.M1, window)) == [bar]
    writer.close()
    reader.close()


@pytest.mark.parametrize(
    "name",
    ["a" * 5_000, "d" * 300 + "/store.db", "nul\x00byte.db"],
    ids=["name too long", "folder too long", "NUL byte"],
)
def test_a_path_no_file_system_takes_is_one_clear_error(tmp_path: Path, name: str) -> None:
    """Not an OSError or a ValueError from deep inside (an internal error, exit 1)."""
    with pytest.raises(StorageUnavailable, match="cannot open SQLite store"):
        SqliteDatabase(str(tmp_path / name))
    with pytest.raises(StorageUnavailable, match="cannot open SQLite store"):
        SqliteDatabase(str(tmp_path / name), mode="ro")
    if "\x00" in name:  # what `db status` reads: no file can have that name
        assert stored_schema_version(str(tmp_path / name)) == 0
    else:
        with pytest.raises(StorageUnavailable, match="cannot open SQLite store"):
            stored_schema_version(str(tmp_path / name))
