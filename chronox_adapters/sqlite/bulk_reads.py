"""Reads of many symbols in one query: the ledgers, bar starts and bar counts of a
universe over one window (a gap scan of 10,000 symbols asks one query, not 10,000).

The asked symbols travel as one JSON array parameter (``json_each``): no statement text
grows with their number, and SQLite's limit on bound parameters never applies.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from chronox_adapters.sqlite.rows import spans
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.coverage import CoverageSpan
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe

_SPAN_COLUMNS = 'start, "end", status, source, answered_at, ticker, etag'
#: The spans overlapping [lo, hi), each distinct span once with the symbols whose ledgers
#: hold it (a day file's span is the same in every ticker's ledger: a universe's month
#: is a few dozen rows to decode, not hundreds of thousands), in start order. ``+start``:
#: SQLite walks the ledger's ``end`` index (``"end" > lo``: the spans from the window on)
#: rather than the primary key (``start < hi``: every span since the ledger began).
_OVERLAPPING = (
    f"SELECT json_group_array(symbol), {_SPAN_COLUMNS} FROM coverage "
    'WHERE {chosen} AND timeframe = ? AND "end" > ? AND +start < ? '
    f"GROUP BY {_SPAN_COLUMNS} ORDER BY start"
)
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
    chosen, asked = _symbols(list(found))
    rows = db.execute(
        _OVERLAPPING.format(chosen=chosen),
        (asked, timeframe.value, math.floor(window.start.timestamp()), _after(window.end)),
    )
    for holders, *columns in rows:
        named = json.loads(holders)
        # A row that cannot be read is left out with a warning (rows.spans), once.
        for span in spans([tuple(columns)], path, f"{named[0]} (and {len(named) - 1} more)"):
            for symbol in named:
                found[symbol].append(span)  # spans are immutable: shared, in start order
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


#: Windows one statement buckets: 3 parameters each (within the 999 of older builds).
_WINDOWS_PER_STATEMENT = 300


def bar_counts(
    db: sqlite3.Connection,
    symbols: Sequence[str],
    timeframe: Timeframe,
    windows: Sequence[Interval],
) -> dict[str, list[int]]:
    """One scan of each symbol's bars over the windows' span, each bar's window picked
    by a binary search written as nested CASEs (SQLite has no ``width_bucket``), the
    counts grouped by (symbol, window); a row per symbol, its windows and counts as two
    JSON arrays."""
    found: dict[str, list[int]] = {}
    if not symbols or not windows:
        return found
    chosen, asked = _symbols(list(dict.fromkeys(symbols)))
    for offset in range(0, len(windows), _WINDOWS_PER_STATEMENT):
        chunk = windows[offset : offset + _WINDOWS_PER_STATEMENT]
        bucket, params = _bucket(chunk, 0, len(chunk), offset)
        sql = (
            "SELECT symbol, json_group_array(k), json_group_array(n) FROM ("
            "SELECT symbol, k, count(*) AS n FROM ("
            f"SELECT symbol, {bucket} AS k FROM {BAR_TABLES[timeframe]} "
            f"WHERE {chosen} AND start >= ? AND start < ?"
            ") WHERE k IS NOT NULL GROUP BY symbol, k) GROUP BY symbol"
        )
        params += [asked, _after(chunk[0].start), _after(chunk[-1].end)]
        for symbol, indexes, counts in db.execute(sql, params):
            dense = found.get(symbol)
            if dense is None:
                dense = found[symbol] = [0] * len(windows)
            for index, count in zip(json.loads(indexes), json.loads(counts), strict=True):
                dense[index] = count
    return found


def _bucket(windows: Sequence[Interval], lo: int, hi: int, offset: int) -> tuple[str, list[object]]:
    """An expression of ``start``: the index (plus ``offset``) of the window among
    ``windows[lo:hi]`` holding it, or NULL; and its parameters, in the text's order."""
    if hi - lo == 1:
        window = windows[lo]
        return (
            f"CASE WHEN start >= ? AND start < ? THEN {lo + offset} END",
            [_after(window.start), _after(window.end)],
        )
    mid = (lo + hi) // 2
    left, left_params = _bucket(windows, lo, mid, offset)
    right, right_params = _bucket(windows, mid, hi, offset)
    return (
        f"CASE WHEN start < ? THEN {left} ELSE {right} END",
        [_after(windows[mid].start), *left_params, *right_params],
    )


def _symbols(symbols: Sequence[str]) -> tuple[str, str]:
    """The condition on ``symbol`` and its parameter: plain for one symbol (an index
    probe), a JSON array for many."""
    if len(symbols) == 1:
        return "symbol = ?", symbols[0]
    return _MANY, json.dumps(list(symbols))


def _after(moment: datetime) -> int:
    """The first whole second at or after ``moment``: ``x < moment`` and ``x >= moment``
    of an integer ``x`` (the stored epoch seconds) read the same against it."""
    return math.ceil(moment.timestamp())
