"""One contract suite for every store adapter: each test runs against each store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from chronox_adapters.memory import MemoryActionStore, MemoryRegistry, MemoryRepository
from chronox_adapters.sqlite import (
    SqliteActionStore,
    SqliteDatabase,
    SqliteLegacyBars,
    SqliteRegistry,
    SqliteRepository,
)
from chronox_domain.ports import (
    BarRollups,
    CorporateActionStore,
    LegacyBars,
    MarketDataRepository,
    SymbolRegistry,
)


@dataclass
class StoreUnderTest:
    name: str
    repository: MarketDataRepository
    registry: SymbolRegistry
    actions: CorporateActionStore
    legacy: LegacyBars
    #: Records the moment legacy bars are adjusted up to, as the upgrade migration does
    #: for a store of the previous release (a new store has none).
    mark_legacy: Callable[[datetime], None]
    rollups: BarRollups | None = None


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    repository = MemoryRepository()

    def mark(as_of: datetime) -> None:
        repository.legacy_since = as_of

    yield StoreUnderTest(
        "memory", repository, MemoryRegistry(), MemoryActionStore(), repository, mark
    )


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    database = SqliteDatabase(str(tmp_path / "contract.sqlite3"))

    def mark(as_of: datetime) -> None:
        with database.transaction() as db:
            db.execute(
                "INSERT INTO legacy_basis (source, as_of) VALUES ('polygon-adjusted', ?)",
                (as_of.isoformat(),),
            )

    try:
        yield StoreUnderTest(
            "sqlite",
            SqliteRepository(database),
            SqliteRegistry(database),
            SqliteActionStore(database),
            SqliteLegacyBars(database),
            mark,
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
            conn.execute(f"TRUNCATE {', '.join(ACTION_TABLES)}, legacy_basis")
        name = "postgresql" if mode == "plain" else mode

        def mark(as_of: datetime) -> None:
            with store.pool.connection() as conn:
                conn.execute(
                    "INSERT INTO legacy_basis (source, as_of) VALUES ('polygon-adjusted', %s)",
                    (as_of,),
                )

        yield StoreUnderTest(
            name,
            store.repository,
            store.registry,
            store.actions,
            store.legacy,
            mark,
            store.rollups,
        )
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
