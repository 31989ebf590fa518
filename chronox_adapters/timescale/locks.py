"""The lock a writer of a series holds: one writer of a series at a time.

A ledger merge reads, merges and rewrites a series' spans, so two writers of one series
must take turns. The lock is an advisory transaction lock on one of a fixed number of
stripes (the series' name hashed), not one lock per series: a whole-market write holds
the locks of 10,000 series at once, and PostgreSQL keeps every lock in a shared table of
``max_locks_per_transaction`` x ``max_connections`` entries (6,400 by default), which one
lock per series would exhaust. Two series of one stripe only take turns needlessly.

Locks are taken in ascending order, in one statement, before anything is written: two
multi-series writers never wait for each other in a cycle.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from psycopg import Connection

from chronox_domain.timeframe import Timeframe

#: The first key of ``pg_advisory_xact_lock(int4, int4)`` for series stripes (the
#: two-key space never meets the one-key locks of migrations, partitions and actions).
SERIES_LOCK_CLASS = 0x6378  # "cx"
SERIES_STRIPES = 256


def series_stripes(series: Iterable[tuple[str, Timeframe]]) -> list[int]:
    """The stripes of ``series``, ascending (CRC-32: the same in every process)."""
    return sorted(
        {zlib.crc32(f"{symbol}/{tf.value}".encode()) % SERIES_STRIPES for symbol, tf in series}
    )


def lock_series(conn: Connection, series: Iterable[tuple[str, Timeframe]]) -> None:
    """Hold, until the transaction ends, the locks of every one of ``series``."""
    stripes = series_stripes(series)
    if len(stripes) == 1:  # a single write: the plain call is cheaper than unnest
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (SERIES_LOCK_CLASS, stripes[0]))
    elif stripes:
        conn.execute(
            "SELECT count(pg_advisory_xact_lock(%s, stripe)) FROM unnest(%s::int4[]) AS stripe",
            (SERIES_LOCK_CLASS, stripes),
        )
