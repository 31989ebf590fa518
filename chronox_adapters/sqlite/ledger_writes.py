"""The coverage a write adds, merged into SQLite's ledger: many series at a time.

A whole-market day file vouches for 10,000 series at once, each for the same session:
series of one timeframe and one window have their touched spans read with one query,
deleted with one, and their merged spans inserted with one ``executemany`` (a query a
series was a third of such a write). A series whose window touched nothing and whose
coverage is already what a merge would make of it (one file's final spans, apart) is
written as given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise

from chronox_adapters.sqlite.rows import CoverageRow, spans
from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.timeframe import Timeframe

_LEDGER_COLUMNS = 'start, "end", status, source, answered_at, ticker, etag'
#: Series asked in one statement (SQLite takes up to 32,766 parameters).
_SERIES = 10_000
_TOUCHED = 'timeframe = ? AND "end" >= ? AND start <= ? AND symbol IN ({marks})'
_INSERT = (
    f"INSERT INTO coverage (symbol, timeframe, {_LEDGER_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

Series = tuple[str, Timeframe]


def record_coverage(
    db: sqlite3.Connection, path: str, added: Mapping[Series, Sequence[Sequence[CoverageSpan]]]
) -> None:
    """Merge each series' added coverage (batch after batch) into its ledger, rewriting
    only the spans its window touches, in the caller's transaction."""
    windows: dict[tuple[Timeframe, int, int], list[Series]] = {}
    for key, of in added.items():
        lo = _epoch(min(span.interval.start for spans_ in of for span in spans_))
        hi = _epoch(max(span.interval.end for spans_ in of for span in spans_))
        windows.setdefault((key[1], lo, hi), []).append(key)
    rows: list[tuple[object, ...]] = []
    for (timeframe, lo, hi), series in windows.items():
        for at in range(0, len(series), _SERIES):
            some = series[at : at + _SERIES]
            touched = _touched(db, path, timeframe, lo, hi, [symbol for symbol, _ in some])
            for key in some:
                rows.extend(_rows(key, _merged(touched.get(key[0], []), added[key])))
    db.executemany(_INSERT, rows)


def _touched(
    db: sqlite3.Connection, path: str, timeframe: Timeframe, lo: int, hi: int, symbols: list[str]
) -> dict[str, list[CoverageSpan]]:
    """The spans of ``symbols`` touching ``[lo, hi]``, read, then deleted."""
    where = _TOUCHED.format(marks=", ".join("?" * len(symbols)))
    params = (timeframe.value, lo, hi, *symbols)
    raw: dict[str, list[CoverageRow]] = {}
    read = f"SELECT symbol, {_LEDGER_COLUMNS} FROM coverage WHERE {where}"
    for symbol, *row in db.execute(read, params):
        raw.setdefault(symbol, []).append(tuple(row))
    if raw:
        db.execute(f"DELETE FROM coverage WHERE {where}", params)
    # A row that cannot be read is left out of the merge (and deleted with the rest).
    return {symbol: spans(of, path, f"{symbol} {timeframe.value}") for symbol, of in raw.items()}


def _merged(
    touched: list[CoverageSpan], added: Sequence[Sequence[CoverageSpan]]
) -> Sequence[CoverageSpan]:
    if not touched and len(added) == 1 and _merged_already(added[0]):
        return added[0]
    merged = touched
    for spans_ in added:
        merged = merge_spans(merged, list(spans_))
    return merged


def _merged_already(added: Sequence[CoverageSpan]) -> bool:
    """Whether ``merge_spans([], added)`` is ``added``: final spans of one answer (one
    key), in order, none touching the next."""
    if not added:
        return True
    first = added[0]
    key = (first.source, first.answered_at, first.ticker, first.etag)
    return all(
        span.status is CoverageStatus.FINAL
        and (span.source, span.answered_at, span.ticker, span.etag) == key
        for span in added
    ) and all(one.interval.end < then.interval.start for one, then in pairwise(added))


def _rows(key: Series, merged: Sequence[CoverageSpan]) -> list[tuple[object, ...]]:
    symbol, timeframe = key
    return [
        (
            symbol,
            timeframe.value,
            _epoch(s.interval.start),
            _epoch(s.interval.end),
            s.status.value,
            s.source,
            None if s.answered_at is None else _epoch(s.answered_at),
            s.ticker,
            s.etag,
        )
        for s in merged
    ]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())
