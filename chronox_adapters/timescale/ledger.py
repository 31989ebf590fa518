"""The coverage ledger in PostgreSQL: merged by the domain's rules, written in the
caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from psycopg import Connection

from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

_COLUMNS = 'start, "end", status, source, answered_at'
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
    touched = [
        span_from_row(row)
        for row in conn.execute(f"SELECT {_COLUMNS} FROM coverage WHERE {_TOUCHING}", params)
    ]
    merged = merge_spans(touched, list(added))
    conn.execute(f"DELETE FROM coverage WHERE {_TOUCHING}", params)
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO coverage (symbol, timeframe, start, "end", status, source, answered_at) '
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    symbol,
                    timeframe.value,
                    s.interval.start,
                    s.interval.end,
                    s.status.value,
                    s.source,
                    s.answered_at,
                )
                for s in merged
            ],
        )


def read_coverage(conn: Connection, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM coverage "
        "WHERE symbol = %s AND timeframe = %s ORDER BY start, status",
        (symbol, timeframe.value),
    )
    return [span_from_row(row) for row in rows]


def span_from_row(row: tuple[datetime, datetime, str, str, datetime | None]) -> CoverageSpan:
    start, end, status, source, answered_at = row
    return CoverageSpan(Interval(start, end), CoverageStatus(status), source, answered_at)
