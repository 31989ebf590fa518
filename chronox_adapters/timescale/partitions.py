"""Plain-PostgreSQL mode: yearly range partitions of the bars tables, made on demand.

TimescaleDB makes its chunks itself; native partitioning needs each partition to exist
before a row lands in it. The writer asks for the years of a batch before its own
transaction begins. A partition is made as a table of its own and then attached, and
committed at once: ``CREATE TABLE ... PARTITION OF`` would lock the whole bars table
against every reader (ACCESS EXCLUSIVE) until the batch committed, and would itself
wait behind any reader still streaming bars. ``ATTACH PARTITION`` takes a lock that
neither reads nor writes conflict with. Creation is serialised by an advisory lock and
remembered per process.
"""

from __future__ import annotations

from datetime import datetime

from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.tables import BAR_TABLES

#: pg_advisory_xact_lock key of partition creation.
PARTITION_LOCK = 0x63687278706172


class Partitions:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._known: set[str] = set()

    def ensure(self, table: str, starts: list[datetime]) -> None:
        """Create, and commit, the yearly partitions of ``table`` that rows at
        ``starts`` need."""
        if table not in BAR_TABLES.values():
            raise ValueError(f"not a bars table: {table}")
        years = sorted({start.year for start in starts})
        missing = [year for year in years if f"{table}_{year}" not in self._known]
        if not missing:
            return
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            for year in missing:
                name = f"{table}_{year}"
                row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
                if not (row and row[0]):
                    conn.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING ALL)")
                    conn.execute(
                        f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES "
                        f"FROM ('{year}-01-01 00:00:00+00') TO ('{year + 1}-01-01 00:00:00+00')"
                    )
        self._known.update(f"{table}_{year}" for year in missing)
