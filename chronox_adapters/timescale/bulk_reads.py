"""Reads of many symbols in one query: the ledgers, bar starts and bar counts of a
universe over one window (a gap scan of 10,000 symbols asks one query, not 10,000).

The symbols travel as one ``text[]`` parameter (``symbol = ANY(%s)``): one statement
whatever their number, planned as one index scan over the asked symbols. The window's
bounds are constants, so only the partitions and chunks of its span are read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.ledger import _AnyInstant as AnyInstant
from chronox_adapters.timescale.ledger import span_from_row
from chronox_adapters.timescale.tables import BAR_TABLES
from chronox_domain.coverage import CoverageSpan
from chronox_domain.errors import ChronoxError
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: The spans of the asked series that overlap [lo, hi), each distinct span once with the
#: symbols whose ledgers hold it: a day file vouches for the same span (session, source,
#: ETag) in every ticker's ledger, so a universe's month is a few dozen rows, not
#: hundreds of thousands to send and decode; in start order, so each ledger is built
#: sorted. The ``end`` index bounds the read from the window on, whatever the ledgers
#: hold before it.
_COVERAGE = (
    'SELECT array_agg(symbol), start, "end", status, source, answered_at, ticker, etag '
    'FROM coverage WHERE symbol = ANY(%s) AND timeframe = %s AND "end" > %s AND start < %s '
    'GROUP BY start, "end", status, source, answered_at, ticker, etag ORDER BY start'
)
#: Rows a server-side cursor fetches at a time: a few MB of starts in flight.
_ITERSIZE = 50_000


def coverage_within(
    conn: Connection, symbols: Sequence[str], timeframe: Timeframe, window: Interval
) -> dict[str, list[CoverageSpan]]:
    found: dict[str, list[CoverageSpan]] = {symbol: [] for symbol in symbols}
    if not found:
        return found
    params = (list(found), timeframe.value, window.start, window.end)
    try:
        # Binary rows, psycopg's own loaders (C): several times quicker than text.
        rows = _fetch(conn, params, conn.cursor(binary=True))
    except psycopg.DataError:
        # An instant no datetime holds (a hand-written row): read again, leniently,
        # so that row alone is left out (and named).
        lenient = conn.cursor()
        lenient.adapters.register_loader("timestamptz", AnyInstant)
        rows = _fetch(conn, params, lenient)
    for holders, *span in rows:
        decoded = _span(tuple(span))
        if decoded is not None:
            for symbol in holders:
                found[symbol].append(decoded)  # spans are immutable: shared
    return found


def _fetch(
    conn: Connection, params: tuple[object, ...], cursor: psycopg.Cursor[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows of ``_COVERAGE``, their instants in UTC: with the session's zone (often
    ``Etc/UTC``) every hash and comparison of an instant consults the zone database,
    and a gap scan makes millions of them."""
    with conn.transaction(), cursor:
        conn.execute("SET LOCAL TIME ZONE 'UTC'")
        return cursor.execute(_COVERAGE, params).fetchall()


def _span(row: tuple[object, ...]) -> CoverageSpan | None:
    """The span of a ledger row's columns; None (and a WARNING naming it) for a row no
    chronox wrote, as :mod:`chronox_adapters.timescale.ledger` reads them."""
    try:
        return span_from_row(row)
    except (ValueError, TypeError, ChronoxError) as exc:
        log.warning("PostgreSQL ledger: coverage row %r skipped: %s", row[:4], exc)
        return None


def bar_counts(
    conn: Connection, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
) -> dict[str, list[int]]:
    """One index scan per symbol over the windows' span; ``width_bucket`` over the
    windows' bounds (sorted; a bound twice where two windows touch) numbers each bar's
    bucket, odd ones inside a window: bucket ``2i + 1`` is window ``i``. A row per
    symbol, its buckets and counts as two arrays."""
    found: dict[str, list[int]] = {}
    if not symbols or not windows:
        return found
    sql = (
        "SELECT symbol, array_agg(k), array_agg(n) FROM ("
        "SELECT symbol, width_bucket(start, %s::timestamptz[]) AS k, count(*) AS n "
        f"FROM {BAR_TABLES[timeframe]} WHERE symbol = ANY(%s) AND start >= %s AND start < %s "
        "GROUP BY symbol, k) AS bucketed WHERE k %% 2 = 1 GROUP BY symbol"
    )
    bounds = [bound for window in windows for bound in (window.start, window.end)]
    asked = list(dict.fromkeys(symbols))
    with conn.cursor(binary=True) as cursor:
        rows = cursor.execute(sql, (bounds, asked, windows[0].start, windows[-1].end))
        for symbol, buckets, counts in rows:
            dense = found[symbol] = [0] * len(windows)
            for bucket, count in zip(buckets, counts, strict=True):
                dense[bucket // 2] = count
    return found


def bar_starts_within(
    pool: ConnectionPool,
    where: str,
    symbols: Sequence[str],
    timeframe: Timeframe,
    window: Interval,
) -> Iterator[tuple[str, list[datetime]]]:
    """Streamed through a server-side cursor: memory of one fetch and one symbol."""
    if not symbols:
        return
    sql = (
        f"SELECT symbol, start FROM {BAR_TABLES[timeframe]} "
        "WHERE symbol = ANY(%s) AND start >= %s AND start < %s ORDER BY symbol, start"
    )
    # Rows are fetched while the caller iterates: the translation spans the loop.
    with (
        translate_errors(where, "reading"),
        pool.connection() as conn,
        conn.cursor(name="chronox_bar_starts") as cur,
    ):
        cur.itersize = _ITERSIZE
        cur.execute(sql, (list(dict.fromkeys(symbols)), window.start, window.end))
        current: str | None = None
        starts: list[datetime] = []
        for symbol, start in cur:
            if symbol != current:
                if current is not None:
                    yield current, starts
                current, starts = symbol, []
            starts.append(start.astimezone(UTC))
        if current is not None:
            yield current, starts
