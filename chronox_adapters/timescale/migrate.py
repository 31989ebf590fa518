"""Versioned schema migrations, applied in order under an advisory lock.

Two processes starting at once serialise on the lock: the second one finds the work
done. Every version is applied in its own transaction and recorded in
``chronox_schema`` with the mode (plain or timescale) the store was created in.

The mode is chosen once, when the schema is first created, from what the server says
about the extension (:func:`timescale_support`): installed files
(``pg_available_extensions``), ``shared_preload_libraries`` and ``pg_extension``. Only a
server that preloads the library is ever asked to ``CREATE EXTENSION timescaledb``, and
even then on a connection of its own: TimescaleDB answers a CREATE EXTENSION it cannot
load with a FATAL error that ends the session, and that must never be the migration's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.pool import APPLICATION_NAME, describe
from chronox_domain.errors import InvalidInput, SchemaMismatch, StorageUnavailable, first_line

log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key of schema changes ("chronox" in ASCII).
MIGRATION_LOCK = 0x6368726F6E6F78
PLAIN, TIMESCALE = "plain", "timescale"
MODE_NOTES = {
    PLAIN: "plain PostgreSQL (without TimescaleDB): native partitioning, date_bin roll-ups",
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


#: What to do about a server that has the extension's files but does not preload them.
PRELOAD_HINT = (
    "add shared_preload_libraries = 'timescaledb' to postgresql.conf and restart PostgreSQL"
)


@dataclass(frozen=True, slots=True)
class TimescaleSupport:
    """What one server and database say about the timescaledb extension."""

    #: Version of the installed extension files (pg_available_extensions), None: none.
    available: str | None
    #: ``timescaledb`` is in the server's shared_preload_libraries.
    preloaded: bool
    #: Version of the extension created in this database (pg_extension), None: none.
    created: str | None

    @property
    def usable(self) -> bool:
        """TimescaleDB mode can be used here (CREATE EXTENSION will not be fatal)."""
        return self.preloaded and (self.created is not None or self.available is not None)

    @property
    def summary(self) -> str:
        """One line for people: ``installed 2.28.3, not preloaded, not created``."""
        if self.available is None and self.created is None:
            return "not installed on the server"
        parts = [f"installed {self.available}" if self.available else "files missing"]
        parts.append("preloaded" if self.preloaded else "not preloaded")
        parts.append(f"created {self.created}" if self.created else "not created in this database")
        return ", ".join(parts)

    @property
    def hint(self) -> str | None:
        """What to do for TimescaleDB mode, or None when nothing is missing."""
        if self.available is None and self.created is None:
            return "install the timescaledb extension on the server to use TimescaleDB mode"
        if not self.preloaded:
            return PRELOAD_HINT
        return None

    def mode_for(self, prefer: str) -> str:
        """The mode a new store would get here with CHRONOX_PG_MODE ``prefer``."""
        if prefer in (PLAIN, TIMESCALE):
            return prefer
        return TIMESCALE if self.usable else PLAIN

    def as_dict(self) -> dict[str, object]:
        return {
            "available": self.available is not None,
            "available_version": self.available,
            "preloaded": self.preloaded,
            "created": self.created is not None,
            "created_version": self.created,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int
    latest: int
    #: The mode the store was created in; None: not created yet.
    mode: str | None
    applied: list[tuple[int, str, datetime]]
    pending: list[str]
    timescale: TimescaleSupport
    #: The mode ``migrate`` would create the store in (the store's own once created).
    mode_on_migrate: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest

    @property
    def timescale_available(self) -> bool:
        """The extension's files are installed on the server (preloaded or not)."""
        return self.timescale.available is not None


class MigrationsMissing(RuntimeError):
    """chronox was installed without its migration files: a packaging bug, never the
    user's. Without this check such an install sees a schema "version 0 of 0", fails
    deep inside ``ingest`` and calls any migrated database newer than itself."""


def load_migrations(folder: Traversable | None = None) -> list[Migration]:
    """The migrations in ``folder`` (by default the package's ``migrations``, read through
    importlib.resources so that it works from a wheel or a zip), by version."""
    folder = folder or resources.files(__package__ + ".migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _FILE.fullmatch(entry.name)
        if not match:
            continue
        version, name, mode = int(match[1]), match[2], match[3] or ""
        migration = found.setdefault(version, Migration(version, name))
        migration.scripts[mode] = entry.read_text(encoding="utf-8")
    if not found:
        raise MigrationsMissing(
            f"no migration files (NNNN_name.sql) in {folder}: this chronox was packaged "
            "without them (a packaging bug); reinstall it from a complete wheel or sdist"
        )
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

    @property
    def _where(self) -> str:
        conninfo = self._pool.conninfo
        return describe(conninfo() if callable(conninfo) else conninfo)

    def status(self) -> SchemaStatus:
        with translate_errors(self._where, "reading the schema of"):
            return self._status()

    def _status(self) -> SchemaStatus:
        with self._pool.connection() as conn:
            support = timescale_support(conn)
            applied, mode = _applied(conn) if _has_version_table(conn) else ([], None)
        current = max((version for version, _, _ in applied), default=0)
        pending = [f"{m.version:04d}_{m.name}" for m in self.migrations if m.version > current]
        would = mode or support.mode_for(self._prefer)
        return SchemaStatus(current, self.latest, mode, applied, pending, support, would)

    def check(self) -> str | None:
        """Refuse a schema newer than this code; the store's mode (None: not created)."""
        status = self.status()
        if status.current > status.latest:
            raise SchemaMismatch(
                f"the database has schema version {status.current}, newer than this chronox "
                f"understands ({status.latest}); upgrade chronox"
            )
        return status.mode

    def holds_source(self, source: str) -> bool:
        """Whether the store has coverage recorded from ``source`` (False before its
        ledger exists)."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT to_regclass('coverage') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return False
            found = conn.execute(
                "SELECT 1 FROM coverage WHERE source = %s LIMIT 1", (source,)
            ).fetchone()
        return found is not None

    def migrate(self) -> SchemaStatus:
        """Apply every pending migration; safe to run from several processes at once."""
        with translate_errors(self._where, "migrating"):
            self._apply_pending()
        return self.status()

    def _apply_pending(self) -> None:
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

    def _choose_mode(self, conn: Connection) -> str:
        """The mode of a new store; ``conn`` holds the migration lock and is only read."""
        if self._prefer == PLAIN:
            return PLAIN
        support = timescale_support(conn)
        where = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
        if support.created is not None and support.preloaded:
            return TIMESCALE
        if not support.usable:
            if self._prefer == TIMESCALE:
                lacks = "preload" if support.available or support.created else "have"
                raise StorageUnavailable(
                    f"CHRONOX_PG_MODE=timescale, but the server at {where} does not {lacks} "
                    f"timescaledb ({support.summary}): {support.hint}, "
                    "or set CHRONOX_PG_MODE=auto for plain mode"
                )
            if support.available is not None or support.created is not None:
                log.warning(
                    "timescaledb is installed at %s but not preloaded, so this store is "
                    "created in plain PostgreSQL mode; for TimescaleDB mode %s (before the "
                    "store is created)",
                    where,
                    PRELOAD_HINT,
                )
            return PLAIN
        reason = self._create_extension()
        if reason is None:
            return TIMESCALE
        if self._prefer == TIMESCALE:
            raise StorageUnavailable(f"cannot enable timescaledb at {where}: {reason}")
        log.warning(
            "timescaledb is preloaded at %s but cannot be enabled (%s); using plain mode",
            where,
            reason,
        )
        return PLAIN

    def _create_extension(self) -> str | None:
        """CREATE EXTENSION on a connection of its own; why it failed, or None.

        The caller holds the migration lock, so no other chronox creates it meanwhile;
        whatever the server answers (even FATAL), the migration's connection lives on.
        """
        conninfo = self._pool.conninfo
        conninfo = conninfo() if callable(conninfo) else conninfo
        kwargs = self._pool.kwargs
        kwargs = dict((kwargs() if callable(kwargs) else kwargs) or {})
        kwargs.pop("autocommit", None)
        try:
            conn = psycopg.connect(conninfo, autocommit=True, **kwargs)
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(
                f"cannot connect to PostgreSQL at {describe(conninfo)}: {first_line(exc)}"
            ) from None
        try:
            with conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except psycopg.Error as exc:
            return first_line(exc)
        return None


def server_support(url: str, timeout: float = 10.0) -> TimescaleSupport:
    """:func:`timescale_support` of the server and database of ``url``, on a connection
    of its own."""
    try:
        with psycopg.connect(
            url, connect_timeout=max(1, int(timeout)), application_name=APPLICATION_NAME
        ) as conn:
            return timescale_support(conn)
    except psycopg.Error as exc:
        raise StorageUnavailable(
            f"cannot connect to PostgreSQL at {describe(url)}: {first_line(exc)}"
        ) from None


def timescale_support(conn: Connection) -> TimescaleSupport:
    """What the server and the database of ``conn`` say about timescaledb.

    Read-only catalog queries, safe on any connection whatever the extension's state, and
    for any role: ``shared_preload_libraries`` is hidden from roles that are neither
    superusers nor in pg_read_all_settings, so the loader's own setting (registered only
    when the library is preloaded) answers for them.
    """
    row = conn.execute(
        "SELECT (SELECT default_version FROM pg_available_extensions"
        "        WHERE name = 'timescaledb'),"
        " (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'),"
        " EXISTS (SELECT 1 FROM pg_settings"
        "         WHERE name = 'timescaledb.bgw_launcher_poll_time' AND vartype = 'integer'),"
        " (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')"
    ).fetchone()
    assert row is not None
    available, preload, loader, created = row
    preloaded = bool(loader) or (preload is not None and preloads_timescale(str(preload)))
    return TimescaleSupport(available, preloaded, created)


def preloads_timescale(setting: str) -> bool:
    """``timescaledb`` is in a shared_preload_libraries value (as a name or a path)."""
    for item in setting.split(","):
        name = item.strip().strip('"').rsplit("/", 1)[-1]
        name = name.removesuffix(".so")
        if name == "timescaledb":
            return True
    return False


def _has_version_table(conn: Connection) -> bool:
    row = conn.execute("SELECT to_regclass('chronox_schema') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _applied(conn: Connection) -> tuple[list[tuple[int, str, datetime]], str | None]:
    rows = conn.execute(
        "SELECT version, name, applied_at, mode FROM chronox_schema ORDER BY version"
    ).fetchall()
    applied = [(int(v), str(n), at) for v, n, at, _ in rows]
    return applied, (str(rows[0][3]) if rows else None)
