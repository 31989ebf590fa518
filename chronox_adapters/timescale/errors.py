"""psycopg's errors as ``StorageUnavailable``, in one place: which server, and what failed.

Every public method of the PostgreSQL adapters runs inside :func:`translate_errors` (a
pool that times out is a ``psycopg.OperationalError`` too), so no driver exception
reaches an entry point. Messages name ``host:port/dbname``, never a password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from chronox_domain.errors import StorageUnavailable, first_line


@contextmanager
def translate_errors(where: str, doing: str) -> Iterator[None]:
    """Run the block; a psycopg error inside it becomes ``StorageUnavailable``.

    ``where`` is :func:`~chronox_adapters.timescale.pool.describe` of the URL, ``doing``
    a gerund ("reading", "writing"). Wrap the whole body of a generator in it: rows are
    fetched, and errors raised, while the caller iterates.
    """
    try:
        yield
    except psycopg.Error as exc:
        raise storage_error(where, doing, exc) from None


def storage_error(where: str, doing: str, error: BaseException) -> StorageUnavailable:
    return StorageUnavailable(f"{doing} PostgreSQL at {where} failed: {first_line(error)}")
