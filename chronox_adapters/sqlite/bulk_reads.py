"""Reads of many symbols in one query: the ledgers and bar starts of a universe over one
window (a gap scan of 10,000 symbols asks one query, not 10,000).

The asked symbols travel as one JSON array parameter (``json_each``): no statement text
grows with their number, and SQLite's limit on bound parameters never applies.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from chronox_adapters.sqlite.rows import CoverageRow, spans
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.coverage import CoverageSpan
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

_LEDGER_COLUMNS = 'symbol, start, "end", status, source, answered_at, ticker, etag'
#: The spans overlapping [lo, hi). ``+start`` and no ORDER BY (the spans are sorted in
#: Python): SQLite walks the ledger's ``end`` index (``"end" > lo``: the spans from the
#: window on) rather than the primary key (``start < hi``: every span since the ledger
#: began), which it would pick to spare a sort.
_OVERLAPPING = 'timeframe = ? AND "end" > ? AND +start < ?'
_MANY = "symbol IN (SELECT value FROM json_each(?))"


def coverage_within(
    db: sqlite3.Connection,
    path: str,
    symbols: Sequence[str],
    timeframe: Timeframe,
    window: Interval,
) -> dict[str, list[CoverageSpan]]:
    found: dict[str, list[CoverageSpan]] = {symbol: [] for symbol in symbols}
    if not found:
        return found
    chosen, asked = _symbols(symbols)
    rows = db.execute(
        f"SELECT {_LEDGER_COLUMNS} FROM coverage WHERE {chosen} AND {_OVERLAPPING}",
        (asked, timeframe.value, math.floor(window.start.timestamp()), _after(window.end)),
    )
    decoded = _SpanDecoder(path)
    for row in rows:
        held = found.get(row[0])
        if held is not None:
            decoded.add(held, row[0], row[1:])
    for held in found.values():
        held.sort(key=_start)
    return found


def bar_starts_within(
    db: sqlite3.Connection,
    symbols: Sequence[str],
    timeframe: Timeframe,
    window: Interval,
) -> Iterator[tuple[str, list[datetime]]]:
    if not symbols:
        return
    chosen, asked = _symbols(symbols)
    rows = db.execute(
        f"SELECT symbol, start FROM {BAR_TABLES[timeframe]} "
        f"WHERE {chosen} AND start >= ? AND start < ? ORDER BY symbol, start",
        (asked, _after(window.start), _after(window.end)),
    )
    from_epoch = datetime.fromtimestamp
    current: str | None = None
    starts: list[datetime] = []
    for symbol, start in rows:
        if symbol != current:
            if current is not None:
                yield current, starts
            current, starts = symbol, []
        starts.append(from_epoch(start, UTC))
    if current is not None:
        yield current, starts


def _symbols(symbols: Sequence[str]) -> tuple[str, str]:
    """The condition on ``symbol`` and its parameter: plain for one symbol (an index
    probe), a JSON array for many."""
    if len(symbols) == 1:
        return "symbol = ?", symbols[0]
    return _MANY, json.dumps(list(symbols))


class _SpanDecoder:
    """Ledger rows as spans, each distinct row decoded once: a day file vouches for one
    span of the same session, source and ETag in every ticker's ledger, so a universe's
    rows repeat a few spans thousands of times (spans are immutable, shared safely)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._seen: dict[CoverageRow, CoverageSpan | None] = {}

    def add(self, into: list[CoverageSpan], symbol: str, row: CoverageRow) -> None:
        try:
            span = self._seen[row]
        except KeyError:
            # A row that cannot be read is left out with a warning (rows.spans), once.
            read = spans([row], self._path, f"{symbol} (and any other with this row)")
            span = self._seen[row] = read[0] if read else None
        if span is not None:
            into.append(span)


def _start(span: CoverageSpan) -> datetime:
    return span.interval.start


def _after(moment: datetime) -> int:
    """The first whole second at or after ``moment``: ``x < moment`` and ``x >= moment``
    of an integer ``x`` (the stored epoch seconds) read the same against it."""
    return math.ceil(moment.timestamp())
