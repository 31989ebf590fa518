"""One contract suite for every store adapter: each test runs against each store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chronox_adapters.memory import MemoryActionStore, MemoryRegistry, MemoryRepository
from chronox_adapters.sqlite import (
    SqliteActionStore,
    SqliteDatabase,
    SqliteRegistry,
    SqliteRepository,
)
from chronox_domain.ports import (
    BarRollups,
    CorporateActionStore,
    MarketDataRepository,
    SymbolRegistry,
)


@dataclass
class StoreUnderTest:
    name: str
    repository: MarketDataRepository
    registry: SymbolRegistry
    actions: CorporateActionStore
    rollups: BarRollups | None = None


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    yield StoreUnderTest("memory", MemoryRepository(), MemoryRegistry(), MemoryActionStore())


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    database = SqliteDatabase(str(tmp_path / "contract.sqlite3"))
    try:
        yield StoreUnderTest(
            "sqlite",
            SqliteRepository(database),
            SqliteRegistry(database),
            SqliteActionStore(database),
        )
    finally:
        database.close()


def _postgres(request: pytest.FixtureRequest, server: str, mode: str) -> Iterator[StoreUnderTest]:
    from chronox_adapters.timescale import ACTION_TABLES, open_postgres

    url = request.getfixturevalue(server)
    store = open_postgres(url, prefer=mode, max_size=4)
    try:
        assert store.mode == mode
        with store.pool.connection() as conn:  # every test starts from an empty store
            conn.execute("TRUNCATE coverage, symbols, bars_1m, bars_5m, bars_15m, bars_1h, bars_1d")
            conn.execute(f"TRUNCATE {', '.join(ACTION_TABLES)}")
        name = "postgresql" if mode == "plain" else mode
        yield StoreUnderTest(name, store.repository, store.registry, store.actions, store.rollups)
    finally:
        store.close()


def _postgresql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    """Plain PostgreSQL (CHRONOX_TEST_PG), in plain mode wherever the server runs."""
    yield from _postgres(request, "pg_url", "plain")


def _timescale(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    """TimescaleDB (CHRONOX_TEST_TIMESCALE): hypertables, continuous aggregates."""
    yield from _postgres(request, "timescale_url", "timescale")


STORES = {
    "memory": _memory,
    "sqlite": _sqlite,
    "postgresql": _postgresql,
    "timescale": _timescale,
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    yield from STORES[request.param](request, tmp_path)
