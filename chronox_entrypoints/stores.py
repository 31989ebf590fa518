"""Opening a store by its URL scheme, and administering its schema.

``sqlite:///path`` is the embedded default; ``postgresql://`` (or ``postgres://``) is
PostgreSQL, with TimescaleDB where the extension is installed; ``memory://`` keeps
everything in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chronox_adapters.memory import MemoryRegistry, MemoryRepository
from chronox_adapters.sqlite import SqliteDatabase, SqliteRegistry, SqliteRepository
from chronox_adapters.sqlite.database import ensure_parent, parse_url
from chronox_adapters.sqlite.schema import LATEST_VERSION as SQLITE_LATEST
from chronox_domain.errors import InvalidInput
from chronox_domain.ports import BarRollups, MarketDataRepository, SymbolRegistry
from chronox_entrypoints.settings import STORE_SCHEMES, Settings, store_scheme

SCHEMES = STORE_SCHEMES


@dataclass(frozen=True, slots=True)
class Store:
    """The repository and the registry of one opened store."""

    url: str  # safe to print: no password
    kind: str  # sqlite, postgresql (plain), timescale, memory
    repository: MarketDataRepository
    registry: SymbolRegistry
    #: Roll-ups computed by the store itself; None: the domain rolls up in Python.
    rollups: BarRollups | None = None


@dataclass(frozen=True, slots=True)
class SchemaReport:
    store: str
    kind: str
    current: int
    latest: int
    pending: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def scheme_of(url: str) -> str:
    try:
        return store_scheme(url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def open_store(settings: Settings) -> Iterator[Store]:
    """A ``providers.Resource``: the store stays open until the container shuts down."""
    url = settings.store_url
    scheme = scheme_of(url)
    if scheme == "sqlite":
        path, mode = parse_url(url)
        if settings.uses_default_store:
            ensure_parent(path)
        database = SqliteDatabase(path, mode)
        try:
            yield Store(url, "sqlite", SqliteRepository(database), SqliteRegistry(database))
        finally:
            database.close()
    elif scheme == "postgresql":
        timescale = _postgres_family()
        open_postgres, redact = timescale.open_postgres, timescale.redact
        store = open_postgres(
            url,
            migrate=settings.auto_migrate,
            prefer=settings.pg_mode,
            max_size=settings.pg_pool_size,
        )
        try:
            kind = "timescale" if store.mode == "timescale" else "postgresql"
            yield Store(redact(url), kind, store.repository, store.registry, store.rollups)
        finally:
            store.close()
    else:
        yield Store(url, "memory", MemoryRepository(), MemoryRegistry())


@contextmanager
def schema_admin(settings: Settings, apply: bool) -> Iterator[SchemaReport]:
    """The schema status of the store, after migrating it when ``apply``."""
    url = settings.store_url
    scheme = scheme_of(url)
    if scheme == "postgresql":
        timescale = _postgres_family()
        MODE_NOTES, Migrator, redact = timescale.MODE_NOTES, timescale.Migrator, timescale.redact
        pool = timescale.open_pool(url, max_size=2)
        try:
            migrator = Migrator(pool, settings.pg_mode)
            status = migrator.migrate() if apply else migrator.status()
            yield SchemaReport(
                redact(url),
                status.mode or "not created",
                status.current,
                status.latest,
                status.pending,
                {
                    "mode": MODE_NOTES.get(status.mode or "", "not created yet"),
                    "timescaledb_available": status.timescale_available,
                    "applied": [
                        {"version": v, "name": n, "applied_at": at.isoformat()}
                        for v, n, at in status.applied
                    ],
                },
            )
        finally:
            pool.close()
    elif scheme == "sqlite":
        path, mode = parse_url(url)
        if settings.uses_default_store:
            ensure_parent(path)
        database = SqliteDatabase(path, mode)  # SQLite migrates itself on open
        try:
            yield SchemaReport(url, "sqlite", database.version, SQLITE_LATEST)
        finally:
            database.close()
    else:
        yield SchemaReport(url, "memory", 0, 0)


def _postgres_family() -> Any:
    """The PostgreSQL adapters, imported only when a postgresql:// store is used."""
    try:
        import chronox_adapters.timescale as timescale
    except ImportError:
        raise InvalidInput(
            "PostgreSQL support is not installed: pip install 'chronox[postgres]'"
        ) from None
    return timescale
