"""Versioned schema migrations, applied in order under an advisory lock.

Two processes starting at once serialise on the lock: the second one finds the work
done. Every version is applied in its own transaction and recorded in
``chronox_schema`` with the mode (plain or timescale) the store was created in.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

from psycopg import Connection, errors
from psycopg_pool import ConnectionPool

from chronox_domain.errors import InvalidInput, SchemaMismatch

log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key of schema changes ("chronox" in ASCII).
MIGRATION_LOCK = 0x6368726F6E6F78
PLAIN, TIMESCALE = "plain", "timescale"
MODE_NOTES = {
    PLAIN: "plain PostgreSQL (no timescaledb extension): native partitioning, date_bin roll-ups",
    TIMESCALE: "TimescaleDB: hypertables, compression, continuous aggregates",
}

_FILE = re.compile(r"(\d{4})_([a-z0-9_]+?)(?:\.(plain|timescale))?\.sql")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    #: SQL by mode: "" applies everywhere, else only in that mode.
    scripts: dict[str, str] = field(default_factory=dict)

    def sql_for(self, mode: str) -> list[str]:
        return [self.scripts[key] for key in ("", mode) if key in self.scripts]


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int
    latest: int
    mode: str | None
    applied: list[tuple[int, str, datetime]]
    pending: list[str]
    timescale_available: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest


def load_migrations() -> list[Migration]:
    found: dict[int, Migration] = {}
    for entry in resources.files(__package__ + ".migrations").iterdir():
        match = _FILE.fullmatch(entry.name)
        if not match:
            continue
        version, name, mode = int(match[1]), match[2], match[3] or ""
        migration = found.setdefault(version, Migration(version, name))
        migration.scripts[mode] = entry.read_text(encoding="utf-8")
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration numbers must run 1..n without holes, found {versions}")
    return [found[v] for v in versions]


class Migrator:
    def __init__(self, pool: ConnectionPool, prefer: str = "auto") -> None:
        if prefer not in ("auto", PLAIN, TIMESCALE):
            raise InvalidInput(f"unknown PostgreSQL mode {prefer!r} (auto, plain, timescale)")
        self._pool = pool
        self._prefer = prefer
        self.migrations = load_migrations()

    @property
    def latest(self) -> int:
        return len(self.migrations)

    def status(self) -> SchemaStatus:
        with self._pool.connection() as conn:
            available = _timescale_available(conn)
            applied, mode = _applied(conn) if _has_version_table(conn) else ([], None)
        current = max((version for version, _, _ in applied), default=0)
        pending = [f"{m.version:04d}_{m.name}" for m in self.migrations if m.version > current]
        return SchemaStatus(current, self.latest, mode, applied, pending, available)

    def check(self) -> str | None:
        """Refuse a schema newer than this code; the store's mode (None: not created)."""
        status = self.status()
        if status.current > status.latest:
            raise SchemaMismatch(
                f"the database has schema version {status.current}, newer than this chronox "
                f"understands ({status.latest}); upgrade chronox"
            )
        return status.mode

    def migrate(self) -> SchemaStatus:
        """Apply every pending migration; safe to run from several processes at once."""
        for migration in self.migrations:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS chronox_schema ("
                    " version integer PRIMARY KEY, name text NOT NULL, mode text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                row = conn.execute("SELECT max(version), min(mode) FROM chronox_schema").fetchone()
                current, mode = (row[0] or 0, row[1]) if row else (0, None)
                if current > self.latest:
                    raise SchemaMismatch(
                        f"the database has schema version {current}, newer than this chronox "
                        f"understands ({self.latest}); upgrade chronox"
                    )
                if migration.version <= current:
                    continue
                mode = mode or self._choose_mode(conn)
                for sql in migration.sql_for(mode):
                    conn.execute(sql.encode())
                conn.execute(
                    "INSERT INTO chronox_schema (version, name, mode) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, mode),
                )
                log.info("applied migration %04d_%s (%s)", migration.version, migration.name, mode)
        return self.status()

    def _choose_mode(self, conn: Connection) -> str:
        if self._prefer == PLAIN or (self._prefer == "auto" and not _timescale_available(conn)):
            return PLAIN
        try:
            with conn.transaction():  # a savepoint: a failed CREATE EXTENSION is survivable
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except errors.Error as exc:
            if self._prefer == TIMESCALE:
                raise InvalidInput(f"cannot enable timescaledb: {exc}") from None
            log.warning(
                "timescaledb is installed but cannot be enabled (%s); using plain mode", exc
            )
            return PLAIN
        return TIMESCALE


def _timescale_available(conn: Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    return bool(row and row[0])


def _has_version_table(conn: Connection) -> bool:
    row = conn.execute("SELECT to_regclass('chronox_schema') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _applied(conn: Connection) -> tuple[list[tuple[int, str, datetime]], str | None]:
    rows = conn.execute(
        "SELECT version, name, applied_at, mode FROM chronox_schema ORDER BY version"
    ).fetchall()
    applied = [(int(v), str(n), at) for v, n, at, _ in rows]
    return applied, (str(rows[0][3]) if rows else None)
