"""Plain-PostgreSQL mode: yearly range partitions of the bars tables, made on demand.

TimescaleDB makes its chunks itself; native partitioning needs each partition to exist
before a row lands in it. The writer asks for the years of a batch before copying it;
creation is serialised by an advisory lock and remembered per process.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import Connection

from chronox_adapters.timescale.tables import BAR_TABLES

#: pg_advisory_xact_lock key of partition creation.
PARTITION_LOCK = 0x63687278706172


class Partitions:
    def __init__(self) -> None:
        self._known: set[str] = set()

    def ensure(self, conn: Connection, table: str, starts: list[datetime]) -> None:
        """Create the yearly partitions of ``table`` that rows at ``starts`` need."""
        if table not in BAR_TABLES.values():
            raise ValueError(f"not a bars table: {table}")
        years = sorted({start.year for start in starts})
        missing = [year for year in years if f"{table}_{year}" not in self._known]
        if not missing:
            return
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
        for year in missing:
            name = f"{table}_{year}"
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
            if row and row[0]:
                # Committed earlier (by anyone): safe to remember. One created below is
                # remembered only when a later batch sees it, as it may yet roll back.
                self._known.add(name)
                continue
            conn.execute(
                f"CREATE TABLE {name} PARTITION OF {table} "
                f"FOR VALUES FROM ('{year}-01-01 00:00:00+00') TO ('{year + 1}-01-01 00:00:00+00')"
            )
