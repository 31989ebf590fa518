"""SQLite's errors as ``StorageUnavailable``, in one place: which file, and what failed.

Every public method of the SQLite adapters runs inside :func:`translate_errors`, so no
``sqlite3`` exception reaches an entry point. A damaged file is named as such, whatever
was being done when SQLite noticed: rerunning the command will not help.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from chronox_domain.errors import StorageUnavailable

Doing = Literal["opening", "reading", "writing"]

# SQLite's primary result codes (extended codes carry them in the low byte).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


@contextmanager
def translate_errors(path: str, doing: Doing) -> Iterator[None]:
    """Run the block; a ``sqlite3`` error inside it becomes ``StorageUnavailable``.

    Wrap the whole body of a generator in it: rows are read, and errors raised, while
    the caller iterates.
    """
    try:
        yield
    except sqlite3.Error as exc:
        raise storage_error(path, doing, exc) from None


def storage_error(path: str, doing: Doing, error: sqlite3.Error) -> StorageUnavailable:
    damage = _damage(error)
    if doing == "opening":
        reason = f"it {damage} ({error})" if damage else str(error)
        return StorageUnavailable(f"cannot open SQLite store {path}: {reason}")
    if damage:
        return StorageUnavailable(f"SQLite store {path} {damage} ({error})")
    where = "writing to" if doing == "writing" else "reading"
    return StorageUnavailable(f"{where} SQLite store {path} failed: {error}")


def _damage(error: sqlite3.Error) -> str | None:
    """How the file is damaged, when the error says it is."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary == _SQLITE_CORRUPT:
        return "is damaged"
    if primary == _SQLITE_NOTADB:
        return "is damaged or not a SQLite database"
    return None
