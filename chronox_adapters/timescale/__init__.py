"""The production store: PostgreSQL, with TimescaleDB where the extension is installed.

One family, two modes, detected at migration time: hypertables, compression and
continuous aggregates with TimescaleDB; native partitioning and ``date_bin`` roll-ups on
plain PostgreSQL. The same logical schema either way.
"""

from chronox_adapters.timescale.bars import PostgresRepository
from chronox_adapters.timescale.migrate import MODE_NOTES, Migrator, SchemaStatus
from chronox_adapters.timescale.pool import describe, open_pool, redact
from chronox_adapters.timescale.registry import PostgresRegistry
from chronox_adapters.timescale.rollups import PostgresRollups
from chronox_adapters.timescale.store import PostgresStore, open_postgres

__all__ = [
    "MODE_NOTES",
    "Migrator",
    "PostgresRegistry",
    "PostgresRepository",
    "PostgresRollups",
    "PostgresStore",
    "SchemaStatus",
    "describe",
    "open_pool",
    "open_postgres",
    "redact",
]
