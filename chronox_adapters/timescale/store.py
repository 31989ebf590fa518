"""Opening a PostgreSQL / TimescaleDB store: pool, schema check or migration, adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.actions import PostgresActionStore
from chronox_adapters.timescale.bars import PostgresRepository
from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.legacy import PostgresLegacyBars
from chronox_adapters.timescale.migrate import MODE_NOTES, Migrator
from chronox_adapters.timescale.pool import describe, open_pool
from chronox_adapters.timescale.registry import PostgresRegistry
from chronox_adapters.timescale.rollups import PostgresRollups
from chronox_domain.errors import SchemaOutdated

log = logging.getLogger(__name__)


@dataclass
class PostgresStore:
    pool: ConnectionPool
    mode: str
    repository: PostgresRepository
    registry: PostgresRegistry
    rollups: PostgresRollups
    actions: PostgresActionStore

    @property
    def legacy(self) -> PostgresLegacyBars:
        """The previous release's split-adjusted bars (the repository's, sharing its
        cached ``legacy_as_of``)."""
        return self.repository.legacy

    def close(self) -> None:
        self.pool.close()


def open_postgres(
    url: str, *, migrate: bool = True, prefer: str = "auto", max_size: int = 8
) -> PostgresStore:
    """Open the pool and make sure the schema is usable (migrating it when allowed).

    The mode (plain or timescale) is the one the store was created in; it is logged
    once, clearly.
    """
    pool = open_pool(url, max_size=max_size)
    try:
        with translate_errors(describe(url), "opening"):
            migrator = Migrator(pool, prefer)
            mode = migrator.check()
            if mode is None or not migrator.status().up_to_date:
                if not migrate:
                    raise SchemaOutdated(
                        f"the database schema at {describe(url)} is not up to date "
                        "and migrating on open is turned off (CHRONOX_AUTO_MIGRATE=false)"
                    )
                mode = migrator.migrate().mode
        assert mode is not None
        log.info("PostgreSQL store mode: %s", MODE_NOTES[mode])
        return PostgresStore(
            pool,
            mode,
            PostgresRepository(pool, url, mode),
            PostgresRegistry(pool, url),
            PostgresRollups(pool, mode),
            PostgresActionStore(pool, url),
        )
    except BaseException:
        pool.close()
        raise
