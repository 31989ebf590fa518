"""One contract suite for every store adapter: each test runs against each store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chronox_adapters.memory import MemoryRegistry, MemoryRepository
from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository
from chronox_domain.ports import MarketDataRepository, SymbolRegistry


@dataclass
class StoreUnderTest:
    name: str
    repository: MarketDataRepository
    registry: SymbolRegistry


def _memory(tmp_path: Path) -> Iterator[StoreUnderTest]:
    yield StoreUnderTest("memory", MemoryRepository(), MemoryRegistry())


def _sqlite(tmp_path: Path) -> Iterator[StoreUnderTest]:
    database = SqliteDatabase(str(tmp_path / "contract.sqlite3"))
    try:
        yield StoreUnderTest("sqlite", SqliteRepository(database), SqliteRegistry(database))
    finally:
        database.close()


STORES = {"memory": _memory, "sqlite": _sqlite}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    yield from STORES[request.param](tmp_path)
