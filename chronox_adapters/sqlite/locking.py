"""Taking a SQLite store's write lock, and waiting for another writer by the domain's
one backoff policy.

A WAL reader never waits for a writer, so only writes (and migrations) take the lock.
SQLite's own busy handler would wait too, but by its fixed schedule and without saying
why it gave up; here a writer that keeps the lock past the deadline is named as such,
in one line.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from chronox_domain.backoff import Backoff
from chronox_domain.errors import StorageUnavailable

#: How long a write waits for another process's write transaction before giving up.
WRITE_LOCK_WAIT = 10.0
#: What a read waits for the rare lock a WAL reader needs (recovery after a crash).
READ_BUSY_MS = 10_000

# Short first pauses (a writer's batch commits in milliseconds), capped so a freed lock
# is seen within half a second, jittered so waiting writers do not return in step.
_BACKOFF = Backoff(base=0.005, cap=0.5)
_SQLITE_BUSY = 5


def is_busy(error: sqlite3.Error) -> bool:
    """Another connection holds the lock this statement needs (SQLITE_BUSY)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == _SQLITE_BUSY


def run_when_free(
    connection: sqlite3.Connection, statement: str, path: str, wait: float = WRITE_LOCK_WAIT
) -> None:
    """Run ``statement`` (``BEGIN IMMEDIATE``, a journal mode change), retrying while
    another connection holds the lock it needs, for at most ``wait`` seconds."""
    deadline = time.monotonic() + wait
    with _without_busy_handler(connection):
        attempt = 0
        while True:
            try:
                connection.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StorageUnavailable(
                        f"SQLite store {path} is busy: another process has held its "
                        f"write lock for {wait:g} s"
                    ) from None
            attempt += 1
            time.sleep(min(_BACKOFF.delay(attempt), left))


@contextmanager
def _without_busy_handler(connection: sqlite3.Connection) -> Iterator[None]:
    """SQLite's busy handler off while the backoff above does the waiting (the pragma
    only sets a field of the connection: no I/O)."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        connection.execute(f"PRAGMA busy_timeout={READ_BUSY_MS}")
