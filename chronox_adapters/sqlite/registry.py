"""The symbol registry in the store's own file."""

from __future__ import annotations

from collections.abc import Sequence

from chronox_adapters.sqlite.database import SqliteDatabase
from chronox_adapters.sqlite.errors import translate_errors
from chronox_adapters.sqlite.rows import entries
from chronox_domain.registry import SymbolEntry

_UPSERT = (
    "INSERT INTO symbols (symbol, timeframes, session, active, follow_renames) "
    "VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (symbol) DO UPDATE SET timeframes = excluded.timeframes, "
    "session = excluded.session, active = excluded.active, "
    "follow_renames = excluded.follow_renames"
)


class SqliteRegistry:
    """``SymbolRegistry`` on a :class:`SqliteDatabase`; every ``sqlite3`` error becomes
    ``StorageUnavailable`` (``transaction`` translates those of writes). A row that is
    not a valid entry is skipped, with a WARNING naming it."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def entries(
        self, active_only: bool = False, *, start: str | None = None, limit: int | None = None
    ) -> list[SymbolEntry]:
        # The column's BINARY collation is code-point order.
        sql = "SELECT symbol, timeframes, session, active, follow_renames FROM symbols"
        sql += " WHERE symbol >= ?" + (" AND active = 1" if active_only else "")
        sql += " ORDER BY symbol LIMIT ?"
        with translate_errors(self._db.path, "reading"):
            rows = self._db.connection.execute(
                sql, (start or "", -1 if limit is None else limit)
            ).fetchall()
        return entries(rows, self._db.path)

    def get(self, symbol: str) -> SymbolEntry | None:
        with translate_errors(self._db.path, "reading"):
            row = self._db.connection.execute(
                "SELECT symbol, timeframes, session, active, follow_renames FROM symbols "
                "WHERE symbol = ?",
                (symbol,),
            ).fetchone()
        found = entries([row] if row else [], self._db.path)
        return found[0] if found else None

    def put(self, entry: SymbolEntry) -> None:
        self.put_many([entry])

    def put_many(self, entries: Sequence[SymbolEntry]) -> None:
        """One prepared statement run over every entry, in one transaction."""
        rows = [
            (
                entry.symbol,
                ",".join(tf.value for tf in entry.timeframes),
                entry.session.value,
                int(entry.active),
                int(entry.follow_renames),
            )
            for entry in entries
        ]
        with self._db.transaction() as db:
            db.executemany(_UPSERT, rows)

    def remove(self, symbol: str) -> bool:
        with self._db.transaction() as db:
            return db.execute("DELETE FROM symbols WHERE symbol = ?", (symbol,)).rowcount > 0
