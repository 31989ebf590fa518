"""Opening a store, one function per family (the composition root selects one by the
URL's scheme), and administering its schema. Each family's adapters are imported when
it is opened, never before: a command pays only for the store it uses.

``sqlite:///path`` is the embedded default; ``postgresql://`` (or ``postgres://``) is
PostgreSQL, with TimescaleDB where the extension is installed; ``memory://`` keeps
everything in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chronox_domain.errors import InvalidInput
from chronox_domain.ports import (
    BarRollups,
    CorporateActionStore,
    LegacyBars,
    MarketDataRepository,
    SymbolRegistry,
)
from chronox_domain.redaction import redact

if TYPE_CHECKING:  # settings (pydantic) are loaded by the command, not by this import
    from chronox_entrypoints.settings import Settings


@dataclass(frozen=True, slots=True)
class Store:
    """The repository, the registry and the corporate actions of one opened store."""

    url: str  # safe to print: no password
    kind: str  # sqlite, postgresql (plain), timescale, memory
    repository: MarketDataRepository
    registry: SymbolRegistry
    actions: CorporateActionStore
    #: The split-adjusted bars a previous release stored, until rebased or re-fetched.
    legacy: LegacyBars
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
    #: The store holds the previous release's split-adjusted vendor bars, which a
    #: pending migration marks as such (``RAW_BASIS_NOTE``).
    holds_adjusted: bool = False


#: The name (suffix) of the PostgreSQL migration that marks the split-adjusted vendor
#: bars of a previous release (SQLite: ``RAW_BASIS_VERSION``).
RAW_BASIS = "_raw_basis"
#: What ``db status`` and ``db migrate`` say of that migration (chronox_domain/legacy.py).
RAW_BASIS_NOTE = (
    "note: the polygon bars an earlier chronox stored split-adjusted are kept: each symbol "
    "is rebased to prices as traded on its first read or `actions sync`, and backfill "
    "fetches their windows again, raw (`gaps` lists them)"
)


def raw_basis_pending(report: SchemaReport) -> bool:
    """Whether ``report``'s store holds a previous release's split-adjusted vendor bars
    that a pending migration marks (a new store has none)."""
    return report.holds_adjusted


def scheme_of(url: str) -> str:
    try:
        from chronox_entrypoints.settings import store_scheme

        return store_scheme(url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def open_sqlite_store(settings: Settings) -> Iterator[Store]:
    """A ``providers.Resource`` (as every opener here): open until the container shuts
    down. The embedded default: a SQLite file (WAL)."""
    from chronox_adapters.sqlite import (
        SqliteActionStore,
        SqliteDatabase,
        SqliteLegacyBars,
        SqliteRegistry,
        SqliteRepository,
    )
    from chronox_adapters.sqlite.database import ensure_parent, parse_url

    url = settings.store_url
    path, mode = parse_url(url)
    if settings.uses_default_store:
        ensure_parent(path)
    database = SqliteDatabase(path, mode)
    try:
        yield Store(
            url,
            "sqlite",
            SqliteRepository(database),
            SqliteRegistry(database),
            SqliteActionStore(database),
            SqliteLegacyBars(database),
        )
    finally:
        database.close()


def open_postgres_store(settings: Settings) -> Iterator[Store]:
    """PostgreSQL, with TimescaleDB where the server preloads it."""
    timescale = _postgres_family()
    store = timescale.open_postgres(
        settings.store_url,
        migrate=settings.auto_migrate,
        prefer=settings.pg_mode,
        max_size=settings.pg_pool_size,
    )
    try:
        kind = "timescale" if store.mode == "timescale" else "postgresql"
        url = redact(settings.store_url)
        yield Store(
            url, kind, store.repository, store.registry, store.actions, store.legacy, store.rollups
        )
    finally:
        store.close()


def open_memory_store(settings: Settings) -> Iterator[Store]:
    """Everything in this process, gone when it ends (tests, demos)."""
    from chronox_adapters.memory import MemoryActionStore, MemoryRegistry, MemoryRepository

    repository = MemoryRepository()
    yield Store(
        settings.store_url,
        "memory",
        repository,
        MemoryRegistry(),
        MemoryActionStore(),
        repository,
    )


#: The opener of each store family, by ``Settings.store_kind``.
OPENERS = {
    "sqlite": open_sqlite_store,
    "postgresql": open_postgres_store,
    "memory": open_memory_store,
}


def open_store(settings: Settings) -> Iterator[Store]:
    """The store ``settings`` name, by its family (for callers outside the container)."""
    yield from OPENERS[settings.store_kind](settings)


@contextmanager
def schema_admin(settings: Settings, apply: bool) -> Iterator[SchemaReport]:
    """The schema status of the store, after migrating it when ``apply``."""
    url = settings.store_url
    scheme = scheme_of(url)
    if scheme == "postgresql":
        timescale = _postgres_family()
        MODE_NOTES, Migrator = timescale.MODE_NOTES, timescale.Migrator
        pool = timescale.open_pool(url, max_size=2)
        try:
            migrator = Migrator(pool, settings.pg_mode)
            if apply:
                status, holds = migrator.migrate(), False
            else:
                status = migrator.status()
                holds = any(name.endswith(RAW_BASIS) for name in status.pending) and (
                    migrator.holds_source("polygon")
                )
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
                holds_adjusted=holds,
            )
        finally:
            pool.close()
    elif scheme == "sqlite":
        yield _sqlite_schema(settings, apply)
    else:
        yield SchemaReport(url, "memory", 0, 0)


def _sqlite_schema(settings: Settings, apply: bool) -> SchemaReport:
    """SQLite migrates itself on open, so only ``apply`` opens the store; a status is
    read without writing anything (nor creating the file)."""
    from chronox_adapters.sqlite import SqliteDatabase
    from chronox_adapters.sqlite.database import (
        ensure_parent,
        holds_source,
        parse_url,
        stored_schema_version,
    )
    from chronox_adapters.sqlite.schema import LATEST_VERSION, RAW_BASIS_VERSION

    url = settings.store_url
    path, mode = parse_url(url)
    if apply:
        if settings.uses_default_store:
            ensure_parent(path)
        SqliteDatabase(path, mode).close()
    current = stored_schema_version(path)
    pending = [f"{version:04d}" for version in range(current + 1, LATEST_VERSION + 1)]
    holds = 0 < current < RAW_BASIS_VERSION and holds_source(path, "polygon")
    return SchemaReport(url, "sqlite", current, LATEST_VERSION, pending, holds_adjusted=holds)


def _postgres_family() -> Any:
    """The PostgreSQL adapters, imported only when a postgresql:// store is used."""
    try:
        import chronox_adapters.timescale as timescale
    except ImportError:
        raise InvalidInput(
            "PostgreSQL support is not installed: pip install 'chronox[postgres]'"
        ) from None
    return timescale
