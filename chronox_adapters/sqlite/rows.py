"""Rows of the registry and the ledger as domain values, skipping those that cannot be.

SQLite's loose typing lets a hand-written row hold text where a number belongs, and no
CHECK guards a timeframe or a symbol: one such row is left out, with a WARNING naming
it, instead of failing every listing that meets it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import ChronoxError
from chronox_domain.interval import Interval
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: What decoding a hand-made value can raise (an unknown enum value, text for a number,
#: an out-of-range epoch, a domain rule).
UNREADABLE = (ValueError, TypeError, OverflowError, OSError, AttributeError, ChronoxError)

RegistryRow = tuple[object, object, object, object, object]
CoverageRow = tuple[object, object, object, object, object, object, object]


def entries(rows: Iterable[RegistryRow], path: str) -> list[SymbolEntry]:
    found = []
    for row in rows:
        try:
            found.append(entry(row))
        except UNREADABLE as exc:
            log.warning("SQLite store %s: registry row %r skipped: %s", path, row[0], exc)
    return found


def entry(row: RegistryRow) -> SymbolEntry:
    symbol, timeframes, session, active, follow_renames = row
    if not isinstance(symbol, str) or parse_symbol(symbol) != symbol:
        raise ValueError(f"not a canonical symbol: {symbol!r}")
    if not isinstance(timeframes, str) or not timeframes:
        raise ValueError(f"no timeframes: {timeframes!r}")
    if active not in (0, 1):
        raise ValueError(f"active is neither 0 nor 1: {active!r}")
    if follow_renames not in (0, 1):
        raise ValueError(f"follow_renames is neither 0 nor 1: {follow_renames!r}")
    return SymbolEntry(
        symbol,
        tuple(Timeframe(value) for value in timeframes.split(",")),
        SessionKind(session),
        bool(active),
        bool(follow_renames),
    )


def spans(rows: Iterable[CoverageRow], path: str, series: str) -> list[CoverageSpan]:
    found = []
    for row in rows:
        try:
            found.append(span(row))
        except UNREADABLE as exc:
            log.warning(
                "SQLite store %s: coverage row of %s starting %r skipped: %s",
                path,
                series,
                row[0],
                exc,
            )
    return found


def span(row: CoverageRow) -> CoverageSpan:
    start, end, status, source, answered, ticker, etag = row
    interval = Interval(_moment(start), _moment(end))
    answered_at = None if answered is None else _moment(answered)
    if not isinstance(source, str):
        raise ValueError(f"source is not text: {source!r}")
    if not (ticker is None or isinstance(ticker, str)):
        raise ValueError(f"ticker is not text: {ticker!r}")
    if not (etag is None or isinstance(etag, str)):
        raise ValueError(f"etag is not text: {etag!r}")
    return CoverageSpan(interval, CoverageStatus(status), source, answered_at, ticker, etag)


def _moment(epoch: object) -> datetime:
    if not isinstance(epoch, int):  # SQLite keeps text or a float as given
        raise TypeError(f"not epoch seconds: {epoch!r}")
    return datetime.fromtimestamp(epoch, UTC)
