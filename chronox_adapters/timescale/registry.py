"""The symbol registry in PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
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

_UPSERT = (
    "INSERT INTO symbols (symbol, timeframes, session, active, follow_renames) "
    "SELECT s, string_to_array(t, ','), e, a, f "
    "FROM unnest(%s::text[], %s::text[], %s::text[], %s::boolean[], %s::boolean[]) "
    "AS given(s, t, e, a, f) "
    "ON CONFLICT (symbol) DO UPDATE SET timeframes = EXCLUDED.timeframes, "
    "session = EXCLUDED.session, active = EXCLUDED.active, "
    "follow_renames = EXCLUDED.follow_renames"
)


class PostgresRegistry:
    """``SymbolRegistry`` on a psycopg pool; psycopg errors become ``StorageUnavailable``.

    A row written by hand that is not a valid entry (a symbol that does not validate,
    an unknown timeframe: no constraint guards them) is skipped with a WARNING naming
    it, instead of failing every listing that meets it.
    """

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self._pool = pool
        self._where = describe(url)

    def entries(
        self, active_only: bool = False, *, start: str | None = None, limit: int | None = None
    ) -> list[SymbolEntry]:
        # COLLATE "C": code-point order, whatever the database's collation.
        sql = f'{_SELECT} WHERE symbol COLLATE "C" >= %s'
        sql += " AND active" if active_only else ""
        sql += ' ORDER BY symbol COLLATE "C" LIMIT %s'
        with self._connection("reading") as conn:
            rows = conn.execute(sql, (start or "", limit)).fetchall()
        return self._entries(rows)

    def get(self, symbol: str) -> SymbolEntry | None:
        with self._connection("reading") as conn:
            row = conn.execute(f"{_SELECT} WHERE symbol = %s", (symbol,)).fetchone()
        found = self._entries([row] if row else [])
        return found[0] if found else None

    def put(self, entry: SymbolEntry) -> None:
        self.put_many([entry])

    def put_many(self, entries: Sequence[SymbolEntry]) -> None:
        """One statement for every entry: the columns go as five arrays, unnested
        server-side (a text[] column cannot be unnested from a 2-D array of ragged
        rows, so each entry's timeframes travel as one comma-joined text)."""
        with self._connection("writing") as conn:
            conn.execute(
                _UPSERT,
                (
                    [entry.symbol for entry in entries],
                    [",".join(tf.value for tf in entry.timeframes) for entry in entries],
                    [entry.session.value for entry in entries],
                    [entry.active for entry in entries],
                    [entry.follow_renames for entry in entries],
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
