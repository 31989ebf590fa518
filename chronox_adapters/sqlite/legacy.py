"""The previous release's split-adjusted bars in SQLite (chronox_domain/legacy.py).

Every query names the partial index's exact predicate (``source IN (...)``): SQLite
uses a partial index only for a WHERE clause that contains its terms as written.
"""

from __future__ import annotations

import math
from datetime import datetime

from chronox_adapters.sqlite.columns import _columns
from chronox_adapters.sqlite.database import SqliteDatabase
from chronox_adapters.sqlite.errors import translate_errors
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns
from chronox_domain.legacy import LEGACY_SOURCE, REBASED_SOURCE
from chronox_domain.timeframe import Timeframe

#: The partial index's predicate (schema ``_LEGACY_INDEX``), word for word.
IN_LEGACY = "source IN ('polygon-adjusted', 'polygon-rebased')"


class SqliteLegacyBars:
    """``LegacyBars`` on a :class:`SqliteDatabase`."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._as_of: tuple[datetime | None] | None = None  # read once: it never changes

    def legacy_as_of(self) -> datetime | None:
        if self._as_of is None:
            with translate_errors(self._db.path, "reading"):
                row = self._db.connection.execute(
                    "SELECT as_of FROM legacy_basis WHERE source = ?", (LEGACY_SOURCE,)
                ).fetchone()
            self._as_of = (None if row is None else datetime.fromisoformat(row[0]),)
        return self._as_of[0]

    def has_legacy(self, symbol: str) -> bool:
        with translate_errors(self._db.path, "reading"):
            return any(
                self._db.connection.execute(
                    f"SELECT 1 FROM {table} WHERE symbol = ? AND {IN_LEGACY} "
                    "AND source = ? LIMIT 1",
                    (symbol, LEGACY_SOURCE),
                ).fetchone()
                for table in BAR_TABLES.values()
            )

    def legacy_columns(self, symbol: str, timeframe: Timeframe) -> BarColumns:
        with translate_errors(self._db.path, "reading"):
            rows = self._db.connection.execute(
                "SELECT start * 1000000000, open, high, low, close, volume, vwap, "
                f"ifnull(trades, {UNKNOWN_TRADES}) FROM {BAR_TABLES[timeframe]} "
                f"WHERE symbol = ? AND {IN_LEGACY} AND source = ? ORDER BY start",
                (symbol, LEGACY_SOURCE),
            ).fetchall()
        return _columns(rows, symbol, timeframe)

    def rebase(self, symbol: str, timeframe: Timeframe, columns: BarColumns) -> int:
        table = BAR_TABLES[timeframe]
        rows = [
            (o, h, lo, c, v, None if math.isnan(vw) else vw, REBASED_SOURCE, symbol, ns // 10**9)
            for ns, o, h, lo, c, v, vw in zip(
                columns.start_ns,
                columns.open,
                columns.high,
                columns.low,
                columns.close,
                columns.volume,
                columns.vwap,
                strict=True,
            )
        ]
        with self._db.transaction() as db:
            cursor = db.executemany(
                f"UPDATE {table} SET open = ?, high = ?, low = ?, close = ?, volume = ?, "
                f"vwap = ?, source = ? WHERE symbol = ? AND start = ? AND source = "
                f"'{LEGACY_SOURCE}'",
                rows,
            )
            return int(cursor.rowcount)
