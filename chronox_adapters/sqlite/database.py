"""Opening a SQLite store: WAL, migrations, read-only files, and clear errors for files
we cannot use.

Opening takes no write lock unless a migration is pending: the schema version is read
like any other row, so a read command never waits behind another process's write.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote

from chronox_adapters.sqlite.errors import storage_error, translate_errors
from chronox_adapters.sqlite.locking import READ_BUSY_MS, WRITE_LOCK_WAIT, run_when_free
from chronox_adapters.sqlite.schema import LATEST_VERSION, MIGRATIONS
from chronox_domain.errors import InvalidInput, SchemaMismatch, StorageUnavailable

log = logging.getLogger(__name__)

#: SQLite's own URI open modes: read-only, read-write (the file must exist), and
#: read-write-create (the default).
OPEN_MODES = ("ro", "rw", "rwc")


def path_from_url(url: str) -> str:
    """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    return parse_url(url)[0]


def parse_url(url: str) -> tuple[str, str]:
    """The file and open mode of ``sqlite:///path[?mode=ro|rw|rwc]``.

    ``mode`` is the one query parameter: any other is refused rather than becoming part
    of the file name (or silently ignored).
    """
    prefix = "sqlite:///"
    path, _, query = url.partition("?")
    if not path.startswith(prefix) or len(path) == len(prefix):
        raise InvalidInput(f"not a SQLite store URL: {url!r} (expected sqlite:///path/to/file.db)")
    mode = "rwc"
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name != "mode" or value not in OPEN_MODES:
            raise InvalidInput(
                f"unsupported SQLite URL parameter {name}={value!r} in {url!r} "
                f"(the only one is mode={'|'.join(OPEN_MODES)})"
            )
        mode = value
    return path[len(prefix) :], mode


class SqliteDatabase:
    """One connection to one store file, migrated to the latest schema on open.

    ``mode="ro"`` opens it read-only, and so does any mode when the file exists but
    cannot be written (a read-only file, folder or file system): reads work, writes
    raise ``StorageUnavailable``, and a file whose schema is behind is refused (it
    cannot be migrated).

    A write waits up to ``lock_wait`` seconds for another process's write transaction.
    """

    def __init__(self, path: str, mode: str = "rwc", lock_wait: float = WRITE_LOCK_WAIT) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self._lock = threading.RLock()
        try:
            if mode != "ro" and _exists_read_only(path):
                log.info("SQLite store %s cannot be written: opening it read-only", path)
                mode = "ro"
            self.read_only = mode == "ro"
            self.connection = _connect_read_only(path) if self.read_only else _connect(path, mode)
        except sqlite3.Error as exc:
            raise storage_error(path, "opening", exc) from None
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte: no file system's
            raise StorageUnavailable(f"cannot open SQLite store {path}: {exc}") from None
        try:
            self.connection.execute(f"PRAGMA busy_timeout={READ_BUSY_MS}")
            if self.read_only:
                self._check_read_only_schema()
            else:
                self._use_wal()
                self.connection.execute("PRAGMA synchronous=NORMAL")
                self._migrate()
        except BaseException as exc:
            self.connection.close()
            if isinstance(exc, sqlite3.Error):
                raise storage_error(path, "opening", exc) from None
            raise

    @property
    def version(self) -> int:
        with translate_errors(self.path, "reading"):
            return self._version()

    def _version(self) -> int:
        row = self.connection.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _stored_version(self) -> int:
        """The schema version, read without a lock (0: no schema yet), refused when
        newer than this code."""
        try:
            current = self._version()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            current = 0  # no schema_version table: a new file, or not a chronox store
        if current > LATEST_VERSION:
            raise SchemaMismatch(
                f"store {self.path} has schema version {current}, newer than this "
                f"chronox understands ({LATEST_VERSION}); upgrade chronox"
            )
        return current

    def _use_wal(self) -> None:
        """WAL, set once: changing the journal mode needs the file to itself, so a store
        already in WAL is not asked again (an in-memory store keeps its own mode)."""
        (mode,) = self.connection.execute("PRAGMA journal_mode").fetchone()
        if mode not in ("wal", "memory"):
            run_when_free(self.connection, "PRAGMA journal_mode=WAL", self.path, self.lock_wait)

    def _check_read_only_schema(self) -> None:
        current = self._stored_version()
        if current < LATEST_VERSION:
            raise StorageUnavailable(
                f"SQLite store {self.path} is read-only and at schema version {current} "
                f"(this chronox needs {LATEST_VERSION}): open it writable once to migrate it"
            )

    def _migrate(self) -> None:
        """Apply the pending migrations; the write lock is taken only when one is."""
        if self._stored_version() == LATEST_VERSION:
            return
        with self._transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            # Read again under the lock: another process may have migrated meanwhile.
            current = self._stored_version()
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
        and backfills side by side), so transactions take turns on a lock. Another
        process's write is waited for up to ``lock_wait`` seconds. A ``sqlite3`` error
        inside the block becomes ``StorageUnavailable``.
        """
        if self.read_only:
            raise StorageUnavailable(
                f"SQLite store {self.path} is read-only: it can be read, not written"
            )
        with translate_errors(self.path, "writing"), self._transaction() as db:
            yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            run_when_free(self.connection, "BEGIN IMMEDIATE", self.path, self.lock_wait)
            try:
                yield self.connection
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk, a
                # damaged page): a second ROLLBACK would hide the first error.
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def stored_schema_version(path: str) -> int:
    """The schema version of the store file at ``path``, read without writing anything,
    not even creating the file (0: no file, or no schema in it yet)."""
    try:
        if path == ":memory:" or not Path(path).is_file():
            return 0
        connection = _connect_read_only(path)
    except sqlite3.Error as exc:
        raise storage_error(path, "opening", exc) from None
    except (OSError, ValueError) as exc:  # as in SqliteDatabase
        raise StorageUnavailable(f"cannot open SQLite store {path}: {exc}") from None
    try:
        row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise storage_error(path, "reading", exc) from None
        return 0
    except sqlite3.Error as exc:
        raise storage_error(path, "reading", exc) from None
    finally:
        connection.close()
    return int(row[0] or 0)


def _connect(path: str, mode: str) -> sqlite3.Connection:
    if mode == "rwc" or path == ":memory:":
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    return sqlite3.connect(
        f"file:{quote(path)}?mode={mode}", uri=True, isolation_level=None, check_same_thread=False
    )


def _connect_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection that can read a WAL store even where nothing can be
    written: without a writable folder SQLite cannot create the ``-shm`` file a WAL
    reader needs, so there the file is opened ``immutable`` (no one can be writing it:
    no one can write there)."""
    uri = f"file:{quote(path)}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError:
        connection.close()
        if not Path(path).exists() or _writable(Path(path).parent):
            raise
    return sqlite3.connect(
        uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False
    )


def _exists_read_only(path: str) -> bool:
    """The file exists, but it (or its folder, where WAL keeps its side files) cannot be
    written. ``os.access`` sees read-only mounts and immutable files even for root."""
    if path == ":memory:" or not Path(path).is_file():
        return False
    return not (_writable(Path(path)) and _writable(Path(path).parent))


def _writable(path: Path) -> bool:
    return os.access(path if str(path) else ".", os.W_OK)


def ensure_parent(path: str) -> None:
    """Create the folder of the default store file (never of one the user named)."""
    if path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def holds_source(path: str, source: str) -> bool:
    """Whether the store file at ``path`` has coverage recorded from ``source``, read
    without writing anything (False: no file, or no ledger in it yet)."""
    if path == ":memory:" or not Path(path).is_file():
        return False
    try:
        connection = _connect_read_only(path)
    except (sqlite3.Error, OSError, ValueError):
        return False
    try:
        found = connection.execute(
            "SELECT 1 FROM coverage WHERE source = ? LIMIT 1", (source,)
        ).fetchone()
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return found is not None
