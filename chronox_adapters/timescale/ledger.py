"""The coverage ledger in PostgreSQL: merged by the domain's rules, written in the
caller's transaction.

A row no chronox wrote, whose instants no ``datetime`` holds (PostgreSQL's timestamps
reach ``infinity`` and years past 9999), is left out with a WARNING naming it, as the
SQLite ledger does: it proves nothing, and must not fail every gap listing, coverage
read or write of its series (psycopg refuses the whole result for one such value).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import psycopg
from psycopg import Connection
from psycopg.types.datetime import TimestamptzLoader

from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.errors import ChronoxError
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_COLUMNS = 'start, "end", status, source, answered_at, ticker, etag'
_C_COLUMNS = ", ".join(f"c.{column.strip()}" for column in _COLUMNS.split(","))
_SERIES = (
    "unnest(%(symbols)s::text[], %(timeframes)s::text[], %(los)s::timestamptz[], "
    "%(his)s::timestamptz[]) AS r(symbol, timeframe, lo, hi)"
)
_TOUCHING = (
    'c.symbol = r.symbol AND c.timeframe = r.timeframe AND c."end" >= r.lo AND c.start <= r.hi'
)
_ONE_TOUCHING = (
    'c.symbol = %(symbols)s AND c.timeframe = %(timeframes)s AND c."end" >= %(los)s '
    "AND c.start <= %(his)s"
)
#: The touched spans' read and delete, for one series and for many.
_ONE = (
    f"SELECT c.symbol, c.timeframe, {_C_COLUMNS} FROM coverage c WHERE {_ONE_TOUCHING}",
    f"DELETE FROM coverage c WHERE {_ONE_TOUCHING}",
)
_MANY = (
    f"SELECT c.symbol, c.timeframe, {_C_COLUMNS} FROM coverage c JOIN {_SERIES} ON {_TOUCHING}",
    f"DELETE FROM coverage c USING {_SERIES} WHERE {_TOUCHING}",
)
_COPY_LEDGER = (
    'COPY coverage (symbol, timeframe, start, "end", status, source, answered_at, ticker, etag) '
    "FROM STDIN (FORMAT BINARY)"
)
_LEDGER_TYPES = [
    "text", "text", "timestamptz", "timestamptz", "text", "text", "timestamptz", "text", "text",
]  # fmt: skip

#: A series, and the coverage of each of its batches in write order.
Series = tuple[str, Timeframe]


def record_coverage(
    conn: Connection, added: Mapping[Series, Sequence[Sequence[CoverageSpan]]]
) -> None:
    """Merge each series' added coverage (batch after batch) into its ledger, rewriting
    only the spans it touches: one query reads the touched spans of every series, one
    deletes them, one COPY writes the merged ones.

    The caller holds the series' advisory locks, so no other writer merges concurrently.
    """
    series = [(key, spans) for key, spans in added.items() if any(spans)]
    if not series:
        return
    symbols = [symbol for (symbol, _), _ in series]
    timeframes = [timeframe.value for (_, timeframe), _ in series]
    los = [min(s.interval.start for spans in of for s in spans) for _, of in series]
    his = [max(s.interval.end for spans in of for s in spans) for _, of in series]
    # One series (a single write) has plain parameters: a third of the time of a join.
    read, delete = _ONE if len(series) == 1 else _MANY
    params: dict[str, object] = (
        {"symbols": symbols[0], "timeframes": timeframes[0], "los": los[0], "his": his[0]}
        if len(series) == 1
        else {"symbols": symbols, "timeframes": timeframes, "los": los, "his": his}
    )
    # A row that cannot be read is left out of the merge (and deleted with the rest).
    touched: dict[Series, list[CoverageSpan]] = {}
    for (symbol, value), span in _spans(conn, read, params):
        touched.setdefault((symbol, Timeframe(value)), []).append(span)
    conn.execute(delete, params)
    with conn.cursor() as cur, cur.copy(_COPY_LEDGER) as copy:
        copy.set_types(_LEDGER_TYPES)
        for key, spans_added in series:
            merged = touched.get(key, [])
            for spans in spans_added:
                merged = merge_spans(merged, list(spans))
            symbol, timeframe = key
            for s in merged:
                copy.write_row(
                    (
                        symbol,
                        timeframe.value,
                        s.interval.start,
                        s.interval.end,
                        s.status.value,
                        s.source,
                        s.answered_at,
                        s.ticker,
                        s.etag,
                    )
                )


def read_coverage(conn: Connection, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
    sql = (
        f"SELECT symbol, timeframe, {_COLUMNS} FROM coverage "
        "WHERE symbol = %s AND timeframe = %s ORDER BY start, status"
    )
    return [span for _, span in _spans(conn, sql, (symbol, timeframe.value))]


def span_from_row(row: tuple[object, ...]) -> CoverageSpan:
    start, end, status, source, answered_at, ticker, etag = row
    if not (isinstance(start, datetime) and isinstance(end, datetime)):
        raise ValueError(f"an instant no datetime holds: {start!r}..{end!r}")
    if not (answered_at is None or isinstance(answered_at, datetime)):
        raise ValueError(f"answered_at is no datetime: {answered_at!r}")
    if not isinstance(source, str):
        raise ValueError(f"source is not text: {source!r}")
    if not (ticker is None or isinstance(ticker, str)):
        raise ValueError(f"ticker is not text: {ticker!r}")
    if not (etag is None or isinstance(etag, str)):
        raise ValueError(f"etag is not text: {etag!r}")
    interval = Interval(start, end)
    return CoverageSpan(interval, CoverageStatus(status), source, answered_at, ticker, etag)


def _spans(
    conn: Connection, sql: str, params: Sequence[object] | Mapping[str, object]
) -> list[tuple[tuple[str, str], CoverageSpan]]:
    """The spans of rows (symbol, timeframe, then the span's columns), each with its
    series."""
    found = []
    with conn.cursor() as cursor:
        cursor.adapters.register_loader("timestamptz", _AnyInstant)
        for row in cursor.execute(sql, params):
            try:
                found.append(((row[0], row[1]), span_from_row(row[2:])))
            except (ValueError, TypeError, ChronoxError) as exc:
                log.warning("PostgreSQL ledger: coverage row %r skipped: %s", row[:6], exc)
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
