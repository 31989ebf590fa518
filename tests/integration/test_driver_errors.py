"""One error contract: every public method of the SQLite and PostgreSQL adapters turns
its driver's errors into ``StorageUnavailable``, streaming reads included."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from psycopg_pool import ConnectionPool

from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository
from chronox_adapters.timescale import PostgresRegistry, PostgresRepository
from chronox_domain import (
    Bar,
    BarBatch,
    CoverageSpan,
    CoverageStatus,
    Interval,
    SessionKind,
    StorageUnavailable,
    Timeframe,
)
from chronox_domain.registry import SymbolEntry

pytestmark = pytest.mark.integration

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
BARS = 20_000  # a few hundred leaf pages of bars_1m
WINDOW = Interval(T0, T0 + BARS * MINUTE)
ENTRY = SymbolEntry("SPY", (Timeframe.M1,), SessionKind.RTH, True)


def _batch() -> BarBatch:
    bars = [
        Bar("SPY", Timeframe.M1, T0 + i * MINUTE, 10.0, 11.0, 9.0, 10.5, 100.0, 10.2, 3)
        for i in range(BARS)
    ]
    span = CoverageSpan(WINDOW, CoverageStatus.FINAL, "test")
    return BarBatch("SPY", Timeframe.M1, bars, "test", None, (span,))


# --- SQLite: a file damaged under an open store ------------------------------------------


def _pages_of(database: SqliteDatabase, table: str, kind: str) -> list[int]:
    return [
        page
        for (page,) in database.connection.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
            (table, kind),
        )
    ]


def _overwrite(path: Path, pages: list[int], page_size: int) -> None:
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * page_size)
            file.write(b"\xa5" * page_size)


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[Path, SqliteDatabase]]:
    path = tmp_path / "store.sqlite3"
    database = SqliteDatabase(str(path))
    SqliteRepository(database).write(_batch())
    SqliteRegistry(database).put(ENTRY)
    database.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield path, database
    database.close()


def test_sqlite_bars_that_meet_damage_while_streaming_raise_storage_unavailable(
    filled: tuple[Path, SqliteDatabase],
) -> None:
    path, database = filled
    leaves = _pages_of(database, "bars_1m", "leaf")
    page_size = database.connection.execute("PRAGMA page_size").fetchone()[0]
    _overwrite(path, leaves[len(leaves) // 2 :], page_size)
    stream = SqliteRepository(SqliteDatabase(str(path))).bars("SPY", Timeframe.M1, WINDOW)
    read = []
    with pytest.raises(StorageUnavailable, match=re.escape(f"SQLite store {path} is damaged")):
        for bar in stream:
            read.append(bar)
    assert 0 < len(read) < BARS  # the first bars came through, then the damage


def _sqlite_calls() -> dict[str, Callable[[SqliteRepository, SqliteRegistry], Any]]:
    return {
        "bars": lambda repo, _: list(repo.bars("SPY", Timeframe.M1, WINDOW)),
        "bar_starts": lambda repo, _: repo.bar_starts("SPY", Timeframe.M1, WINDOW),
        "coverage": lambda repo, _: repo.coverage("SPY", Timeframe.M1),
        "sources": lambda repo, _: repo.sources("SPY", Timeframe.M1),
        "counts": lambda repo, _: repo.counts(),
        "write": lambda repo, _: repo.write(_batch()),
        "registry.entries": lambda _, registry: registry.entries(),
        "registry.get": lambda _, registry: registry.get("SPY"),
        "registry.put": lambda _, registry: registry.put(ENTRY),
        "registry.remove": lambda _, registry: registry.remove("SPY"),
    }


@pytest.mark.parametrize("call", sorted(_sqlite_calls()))
def test_every_sqlite_method_on_a_damaged_file_raises_storage_unavailable(
    filled: tuple[Path, SqliteDatabase], call: str
) -> None:
    path, database = filled
    page_size = database.connection.execute("PRAGMA page_size").fetchone()[0]
    roots = [  # tables and their indexes: a query may read an index alone
        root
        for (root,) in database.connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name != 'schema_version' AND rootpage > 1"
        )
    ]
    _overwrite(path, roots, page_size)
    reopened = SqliteDatabase(str(path))
    try:
        with pytest.raises(StorageUnavailable, match=re.escape(f"SQLite store {path} is damaged")):
            _sqlite_calls()[call](SqliteRepository(reopened), SqliteRegistry(reopened))
    finally:
        reopened.close()


# --- PostgreSQL: the server gone ----------------------------------------------------------


@pytest.fixture
def closed_port_url() -> str:
    """A PostgreSQL URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://chronox:secret@127.0.0.1:{port}/gone"


@pytest.fixture
def gone_pool(closed_port_url: str) -> Iterator[ConnectionPool]:
    pool = ConnectionPool(
        closed_port_url, min_size=1, max_size=1, open=False, timeout=0.5,
        kwargs={"connect_timeout": 1}, name="chronox-test-gone",
    )  # fmt: skip
    pool.open(wait=False)
    yield pool
    pool.close()


def _postgres_calls() -> dict[str, Callable[[PostgresRepository, PostgresRegistry], Any]]:
    return {
        "bars": lambda repo, _: list(repo.bars("SPY", Timeframe.M1, WINDOW)),
        "bar_starts": lambda repo, _: repo.bar_starts("SPY", Timeframe.M1, WINDOW),
        "coverage": lambda repo, _: repo.coverage("SPY", Timeframe.M1),
        "sources": lambda repo, _: repo.sources("SPY", Timeframe.M1),
        "counts": lambda repo, _: repo.counts(),
        "registry.entries": lambda _, registry: registry.entries(),
        "registry.get": lambda _, registry: registry.get("SPY"),
        "registry.put": lambda _, registry: registry.put(ENTRY),
        "registry.remove": lambda _, registry: registry.remove("SPY"),
    }


@pytest.mark.parametrize("call", sorted(_postgres_calls()))
def test_every_postgres_read_and_registry_call_with_the_server_gone_raises_storage_unavailable(
    gone_pool: ConnectionPool, closed_port_url: str, call: str
) -> None:
    repository = PostgresRepository(gone_pool, closed_port_url, "plain")
    registry = PostgresRegistry(gone_pool, closed_port_url)
    with pytest.raises(StorageUnavailable, match=r"PostgreSQL at 127\.0\.0\.1:\d+/gone") as raised:
        _postgres_calls()[call](repository, registry)
    assert "secret" not in str(raised.value)


def test_a_registry_call_whose_backend_was_terminated_raises_storage_unavailable(
    pg_url: str,
) -> None:
    """A pool that does not check connections on borrow hands out the killed one."""
    import psycopg

    from chronox_adapters.timescale import open_postgres

    open_postgres(pg_url, prefer="plain", max_size=1).close()  # the schema exists
    name = "chronox-test-terminated"
    pool = ConnectionPool(
        pg_url, min_size=1, max_size=1, open=True, kwargs={"application_name": name}
    )
    try:
        registry = PostgresRegistry(pool, pg_url)
        registry.put(ENTRY)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (name,),
            ).fetchall()
        assert killed == [(True,)]
        with pytest.raises(StorageUnavailable, match=r"reading PostgreSQL at .* failed"):
            registry.entries()
    finally:
        pool.close()
