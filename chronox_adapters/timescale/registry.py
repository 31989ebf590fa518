"""The symbol registry in PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.pool import describe
from chronox_domain.errors import ChronoxError
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_Row = tuple[object, object, object, object, object]

_SELECT = "SELECT symbol, timeframes, session, active, follow_renames FROM symbols"


class PostgresRegistry:
    """``SymbolRegistry`` on a psycopg pool; psycopg errors become ``StorageUnavailable``.

    A row written by hand that is not a valid entry (a symbol that does not validate,
    an unknown timeframe: no constraint guards them) is skipped with a WARNING naming
    it, instead of failing every listing that meets it.
    """

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self._pool = pool
        self._where = describe(url)

    def entries(self, active_only: bool = False) -> list[SymbolEntry]:
        where = " WHERE active" if active_only else ""
        with self._connection("reading") as conn:
            rows = conn.execute(f"{_SELECT}{where} ORDER BY symbol").fetchall()
        return self._entries(rows)

    def get(self, symbol: str) -> SymbolEntry | None:
        with self._connection("reading") as conn:
            row = conn.execute(f"{_SELECT} WHERE symbol = %s", (symbol,)).fetchone()
        found = self._entries([row] if row else [])
        return found[0] if found else None

    def put(self, entry: SymbolEntry) -> None:
        with self._connection("writing") as conn:
            conn.execute(
                "INSERT INTO symbols (symbol, timeframes, session, active, follow_renames) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (symbol) DO UPDATE SET "
                "timeframes = EXCLUDED.timeframes, session = EXCLUDED.session, "
                "active = EXCLUDED.active, follow_renames = EXCLUDED.follow_renames",
                (
                    entry.symbol,
                    [tf.value for tf in entry.timeframes],
                    entry.session.value,
                    entry.active,
                    entry.follow_renames,
                ),
            )

    def remove(self, symbol: str) -> bool:
        with self._connection("writing") as conn:
            return conn.execute("DELETE FROM symbols WHERE symbol = %s", (symbol,)).rowcount > 0

    def _entries(self, rows: Iterable[_Row]) -> list[SymbolEntry]:
        found = []
        for row in rows:
            try:
                found.append(_entry(row))
            except (ValueError, TypeError, ChronoxError) as exc:
                log.warning(
                    "PostgreSQL at %s: registry row %r skipped: %s", self._where, row[0], exc
                )
        return found

    @contextmanager
    def _connection(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._where, doing), self._pool.connection() as conn:
            yield conn


def _entry(row: _Row) -> SymbolEntry:
    symbol, timeframes, session, active, follow_renames = row
    if not isinstance(symbol, str) or parse_symbol(symbol) != symbol:
        raise ValueError(f"not a canonical symbol: {symbol!r}")
    if not isinstance(timeframes, list) or not timeframes:
        raise ValueError(f"no timeframes: {timeframes!r}")
    return SymbolEntry(
        symbol,
        tuple(Timeframe(v) for v in timeframes),
        SessionKind(session),
        bool(active),
        bool(follow_renames),
    )
