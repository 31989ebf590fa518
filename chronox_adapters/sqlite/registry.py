"""The symbol registry in the store's own file."""

from __future__ import annotations

from chronox_adapters.sqlite.database import SqliteDatabase
from chronox_adapters.sqlite.errors import translate_errors
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe


class SqliteRegistry:
    """``SymbolRegistry`` on a :class:`SqliteDatabase`; every ``sqlite3`` error becomes
    ``StorageUnavailable`` (``transaction`` translates those of writes)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def entries(self, active_only: bool = False) -> list[SymbolEntry]:
        sql = "SELECT symbol, timeframes, session, active FROM symbols"
        if active_only:
            sql += " WHERE active = 1"
        with translate_errors(self._db.path, "reading"):
            rows = self._db.connection.execute(sql + " ORDER BY symbol").fetchall()
        return [_entry(row) for row in rows]

    def get(self, symbol: str) -> SymbolEntry | None:
        with translate_errors(self._db.path, "reading"):
            row = self._db.connection.execute(
                "SELECT symbol, timeframes, session, active FROM symbols WHERE symbol = ?",
                (symbol,),
            ).fetchone()
        return _entry(row) if row else None

    def put(self, entry: SymbolEntry) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO symbols (symbol, timeframes, session, active) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (symbol) DO UPDATE SET timeframes = excluded.timeframes, "
                "session = excluded.session, active = excluded.active",
                (
                    entry.symbol,
                    ",".join(tf.value for tf in entry.timeframes),
                    entry.session.value,
                    int(entry.active),
                ),
            )

    def remove(self, symbol: str) -> bool:
        with self._db.transaction() as db:
            return db.execute("DELETE FROM symbols WHERE symbol = ?", (symbol,)).rowcount > 0


def _entry(row: tuple[str, str, str, int]) -> SymbolEntry:
    symbol, timeframes, session, active = row
    return SymbolEntry(
        symbol,
        tuple(Timeframe(value) for value in timeframes.split(",")),
        SessionKind(session),
        bool(active),
    )
