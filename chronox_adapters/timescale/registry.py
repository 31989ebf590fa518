"""The symbol registry in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.pool import describe
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

_SELECT = "SELECT symbol, timeframes, session, active FROM symbols"


class PostgresRegistry:
    """``SymbolRegistry`` on a psycopg pool; psycopg errors become ``StorageUnavailable``."""

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self._pool = pool
        self._where = describe(url)

    def entries(self, active_only: bool = False) -> list[SymbolEntry]:
        where = " WHERE active" if active_only else ""
        with self._connection("reading") as conn:
            rows = conn.execute(f"{_SELECT}{where} ORDER BY symbol").fetchall()
        return [_entry(row) for row in rows]

    def get(self, symbol: str) -> SymbolEntry | None:
        with self._connection("reading") as conn:
            row = conn.execute(f"{_SELECT} WHERE symbol = %s", (symbol,)).fetchone()
        return _entry(row) if row else None

    def put(self, entry: SymbolEntry) -> None:
        with self._connection("writing") as conn:
            conn.execute(
                "INSERT INTO symbols (symbol, timeframes, session, active) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (symbol) DO UPDATE SET "
                "timeframes = EXCLUDED.timeframes, session = EXCLUDED.session, "
                "active = EXCLUDED.active",
                (
                    entry.symbol,
                    [tf.value for tf in entry.timeframes],
                    entry.session.value,
                    entry.active,
                ),
            )

    def remove(self, symbol: str) -> bool:
        with self._connection("writing") as conn:
            return conn.execute("DELETE FROM symbols WHERE symbol = %s", (symbol,)).rowcount > 0

    @contextmanager
    def _connection(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._where, doing), self._pool.connection() as conn:
            yield conn


def _entry(row: tuple[str, list[str], str, bool]) -> SymbolEntry:
    symbol, timeframes, session, active = row
    return SymbolEntry(
        symbol, tuple(Timeframe(v) for v in timeframes), SessionKind(session), bool(active)
    )
