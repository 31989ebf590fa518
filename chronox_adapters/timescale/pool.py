"""Connection pools on psycopg 3, opened and closed by the composition root.

Connection failures surface as ``StorageUnavailable`` naming the host and the database,
never the password.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from chronox_domain.errors import InvalidInput, StorageUnavailable, first_line

#: How chronox's connections show in pg_stat_activity.
APPLICATION_NAME = "chronox"


def describe(url: str) -> str:
    """``host:port/dbname`` of a PostgreSQL URL, safe to print (no user, no password)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (unparsable URL)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


def open_pool(
    url: str, min_size: int = 1, max_size: int = 8, timeout: float = 10.0
) -> ConnectionPool:
    """An open pool whose first connection has been checked, or ``StorageUnavailable``."""
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise InvalidInput(f"malformed PostgreSQL URL: {first_line(exc)}") from None
    # One direct attempt first: a wrong host or database fails at once with the
    # server's reason, instead of the pool retrying quietly until its timeout.
    reason = _probe(url, timeout)
    if reason is not None:
        raise StorageUnavailable(f"cannot connect to PostgreSQL at {describe(url)}: {reason}")
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=timeout,
        check=ConnectionPool.check_connection,
        kwargs={
            "autocommit": False,
            "connect_timeout": max(1, int(timeout)),
            "application_name": APPLICATION_NAME,
        },
        name="chronox",
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except PoolTimeout:
        pool.close()
        raise StorageUnavailable(
            f"cannot connect to PostgreSQL at {describe(url)}: the pool timed out"
        ) from None
    return pool


def _probe(url: str, timeout: float) -> str | None:
    """Why a connection cannot be made (its first line), or None when one can."""
    try:
        psycopg.connect(url, connect_timeout=max(1, int(timeout))).close()
    except psycopg.Error as exc:
        return first_line(exc)
    return None
