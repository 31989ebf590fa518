"""The coverage ledger in PostgreSQL: merged by the domain's rules, written in the
caller's transaction.

A row no chronox wrote, whose instants no ``datetime`` holds (PostgreSQL's timestamps
reach ``infinity`` and years past 9999), is left out with a WARNING naming it, as the
SQLite ledger does: it proves nothing, and must not fail every gap listing, coverage
read or write of its series (psycopg refuses the whole result for one such value).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import psycopg
from psycopg import Connection
from psycopg.types.datetime import TimestamptzLoader

from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.errors import ChronoxError
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_COLUMNS = 'start, "end", status, source, answered_at, ticker'
_TOUCHING = 'symbol = %s AND timeframe = %s AND "end" >= %s AND start <= %s'


def record_coverage(
    conn: Connection, symbol: str, timeframe: Timeframe, added: Sequence[CoverageSpan]
) -> None:
    """Merge ``added`` into the ledger, rewriting only the spans it touches.

    The caller holds the series' advisory lock, so no other writer merges concurrently.
    """
    lo = min(span.interval.start for span in added)
    hi = max(span.interval.end for span in added)
    params = (symbol, timeframe.value, lo, hi)
    # A row that cannot be read is left out of the merge (and deleted with the rest).
    touched = _spans(conn, f"SELECT {_COLUMNS} FROM coverage WHERE {_TOUCHING}", params)
    merged = merge_spans(touched, list(added))
    conn.execute(f"DELETE FROM coverage WHERE {_TOUCHING}", params)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO coverage "
            '(symbol, timeframe, start, "end", status, source, answered_at, ticker) '
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    symbol,
                    timeframe.value,
                    s.interval.start,
                    s.interval.end,
                    s.status.value,
                    s.source,
                    s.answered_at,
                    s.ticker,
                )
                for s in merged
            ],
        )


def read_coverage(conn: Connection, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
    return _spans(
        conn,
        f"SELECT {_COLUMNS} FROM coverage "
        "WHERE symbol = %s AND timeframe = %s ORDER BY start, status",
        (symbol, timeframe.value),
    )


def span_from_row(row: tuple[object, object, object, object, object, object]) -> CoverageSpan:
    start, end, status, source, answered_at, ticker = row
    if not (isinstance(start, datetime) and isinstance(end, datetime)):
        raise ValueError(f"an instant no datetime holds: {start!r}..{end!r}")
    if not (answered_at is None or isinstance(answered_at, datetime)):
        raise ValueError(f"answered_at is no datetime: {answered_at!r}")
    if not isinstance(source, str):
        raise ValueError(f"source is not text: {source!r}")
    if not (ticker is None or isinstance(ticker, str)):
        raise ValueError(f"ticker is not text: {ticker!r}")
    interval = Interval(start, end)
    return CoverageSpan(interval, CoverageStatus(status), source, answered_at, ticker)


def _spans(conn: Connection, sql: str, params: tuple[object, ...]) -> list[CoverageSpan]:
    found = []
    with conn.cursor() as cursor:
        cursor.adapters.register_loader("timestamptz", _AnyInstant)
        for row in cursor.execute(sql, params):
            try:
                found.append(span_from_row(row))
            except (ValueError, TypeError, ChronoxError) as exc:
                log.warning("PostgreSQL ledger: coverage row %r skipped: %s", row[:4], exc)
    return found


class _AnyInstant(TimestamptzLoader):
    """A ``timestamptz`` as a ``datetime``, or as the server's text when no datetime
    holds it (psycopg's documented way to read infinite dates), for
    :func:`span_from_row` to refuse by name."""

    def load(self, data: bytes | bytearray | memoryview) -> datetime | str:  # type: ignore[override]
        try:
            loaded: datetime = super().load(data)
        except psycopg.DataError:
            return bytes(data).decode(errors="replace")
        return loaded
