"""Opening a SQLite store: WAL, migrations, and clear errors for files we cannot use."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from chronox_adapters.sqlite.schema import LATEST_VERSION, MIGRATIONS
from chronox_domain.errors import InvalidInput, SchemaMismatch, StorageUnavailable


def path_from_url(url: str) -> str:
    """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise InvalidInput(f"not a SQLite store URL: {url!r} (expected sqlite:///path/to/file.db)")
    return url[len(prefix) :]


class SqliteDatabase:
    """One connection to one store file, migrated to the latest schema on open."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.connection.execute("PRAGMA busy_timeout=10000")
            self._migrate()
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"cannot open SQLite store {path}: {exc}") from None

    @property
    def version(self) -> int:
        row = self.connection.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        with self.transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = self.version
            if current > LATEST_VERSION:
                raise SchemaMismatch(
                    f"store {self.path} has schema version {current}, newer than this "
                    f"chronox understands ({LATEST_VERSION}); upgrade chronox"
                )
            for version in range(current, LATEST_VERSION):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version + 1, datetime.now(UTC).isoformat()),
                )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

        One connection serves every thread of the process (the daemon writes live bars
        and backfills side by side), so transactions take turns on a lock.
        """
        with self._lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def ensure_parent(path: str) -> None:
    """Create the folder of the default store file (never of one the user named)."""
    if path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
