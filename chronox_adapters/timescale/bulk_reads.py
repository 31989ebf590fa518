"""Reads of many symbols in one query: the ledgers and bar starts of a universe over one
window (a gap scan of 10,000 symbols asks one query, not 10,000).

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
#: hundreds of thousands to send and decode. The ``end`` index bounds the read from the
#: window on, whatever the ledgers hold before it.
_COVERAGE = (
    'SELECT array_agg(symbol), start, "end", status, source, answered_at, ticker, etag '
    'FROM coverage WHERE symbol = ANY(%s) AND timeframe = %s AND "end" > %s AND start < %s '
    'GROUP BY start, "end", status, source, answered_at, ticker, etag'
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
    for spans in found.values():
        spans.sort(key=_start)
    return found


def _start(span: CoverageSpan) -> datetime:
    return span.interval.start


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
