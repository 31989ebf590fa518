"""The production store: PostgreSQL, with TimescaleDB where the server preloads it.

One family, two modes, detected at migration time: hypertables, compression and
continuous aggregates with TimescaleDB; native partitioning and ``date_bin`` roll-ups on
plain PostgreSQL. The same logical schema either way. A server with the extension's
files installed but not in ``shared_preload_libraries`` gets plain mode, with a warning.
"""

from chronox_adapters.timescale.actions import ACTION_TABLES, PostgresActionStore
from chronox_adapters.timescale.bars import PostgresRepository
from chronox_adapters.timescale.migrate import (
    MODE_NOTES,
    Migrator,
    SchemaStatus,
    TimescaleSupport,
    server_support,
)
from chronox_adapters.timescale.pool import describe, open_pool
from chronox_adapters.timescale.registry import PostgresRegistry
from chronox_adapters.timescale.rollups import PostgresRollups
from chronox_adapters.timescale.store import PostgresStore, open_postgres

__all__ = [
    "ACTION_TABLES",
    "MODE_NOTES",
    "Migrator",
    "PostgresActionStore",
    "PostgresRegistry",
    "PostgresRepository",
    "PostgresRollups",
    "PostgresStore",
    "SchemaStatus",
    "TimescaleSupport",
    "describe",
    "open_pool",
    "open_postgres",
    "server_support",
]
