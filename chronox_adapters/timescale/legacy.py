"""The previous release's split-adjusted bars in PostgreSQL / TimescaleDB
(chronox_domain/legacy.py).

Queries name the partial index's predicate (migration 0007) so that they read only the
index's rows. A rebase is an ordinary UPDATE of the bars table: TimescaleDB updates
compressed chunks in place and logs the range for its continuous aggregates, exactly as
it does for the upsert of a write.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.locks import lock_series
from chronox_adapters.timescale.migrate import TIMESCALE
from chronox_adapters.timescale.pool import describe
from chronox_adapters.timescale.tables import BAR_TABLES
from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.legacy import LEGACY_SOURCE, REBASED_SOURCE
from chronox_domain.timeframe import Timeframe

#: The partial indexes' predicate (migration 0007), word for word.
IN_LEGACY = "source IN ('polygon-adjusted', 'polygon-rebased')"
#: TimescaleDB refuses a DML that decompresses more than 100,000 rows unless told.
NO_DECOMPRESSION_LIMIT = (
    "SELECT set_config('timescaledb.max_tuples_decompressed_per_dml_transaction', '0', true)"
)


class PostgresLegacyBars:
    """``LegacyBars`` on a psycopg pool."""

    def __init__(self, pool: ConnectionPool, url: str, mode: str) -> None:
        self._pool = pool
        self._where = describe(url)
        self._mode = mode
        self._as_of: tuple[datetime | None] | None = None  # read once: it never changes

    def legacy_as_of(self) -> datetime | None:
        if self._as_of is None:
            with self._connection("reading") as conn:
                row = conn.execute(
                    "SELECT as_of FROM legacy_basis WHERE source = %s", (LEGACY_SOURCE,)
                ).fetchone()
            self._as_of = (None if row is None else row[0].astimezone(UTC),)
        return self._as_of[0]

    def has_legacy(self, symbol: str) -> bool:
        exists = " OR ".join(
            f"EXISTS (SELECT FROM {table} WHERE symbol = %(symbol)s AND {IN_LEGACY} "
            "AND source = %(legacy)s)"
            for table in BAR_TABLES.values()
        )
        with self._connection("reading") as conn:
            row = conn.execute(
                f"SELECT {exists}", {"symbol": symbol, "legacy": LEGACY_SOURCE}
            ).fetchone()
        return bool(row and row[0])

    def legacy_columns(self, symbol: str, timeframe: Timeframe) -> BarColumns:
        with self._connection("reading") as conn:
            rows = conn.execute(
                "SELECT start, open, high, low, close, volume, vwap, trades "
                f"FROM {BAR_TABLES[timeframe]} WHERE symbol = %s AND {IN_LEGACY} "
                "AND source = %s ORDER BY start",
                (symbol, LEGACY_SOURCE),
            ).fetchall()
        bars = (
            Bar(symbol, timeframe, start.astimezone(UTC), o, h, lo, c, v, vw, n)
            for start, o, h, lo, c, v, vw, n in rows
        )
        return BarColumns.from_bars(symbol, timeframe, bars)

    def rebase(self, symbol: str, timeframe: Timeframe, columns: BarColumns) -> int:
        bars = columns.to_bars()
        if not bars:
            return 0
        vwaps = [None if bar.vwap is None or math.isnan(bar.vwap) else bar.vwap for bar in bars]
        with self._connection("writing") as conn, conn.transaction():
            # The write's series lock: a rebase and an ingest of one series take turns.
            lock_series(conn, [(symbol, timeframe)])
            if self._mode == TIMESCALE:  # a symbol's history: more than one DML's default
                conn.execute(NO_DECOMPRESSION_LIMIT)
            cursor = conn.execute(
                f"UPDATE {BAR_TABLES[timeframe]} AS t SET open = r.open, high = r.high, "
                "low = r.low, close = r.close, volume = r.volume, vwap = r.vwap, "
                "source = %(rebased)s "
                "FROM unnest(%(starts)s::timestamptz[], %(opens)s::float8[], "
                "%(highs)s::float8[], %(lows)s::float8[], %(closes)s::float8[], "
                "%(volumes)s::float8[], %(vwaps)s::float8[]) "
                "AS r(start, open, high, low, close, volume, vwap) "
                f"WHERE t.symbol = %(symbol)s AND t.start = r.start AND t.{IN_LEGACY} "
                "AND t.source = %(legacy)s",
                {
                    "symbol": symbol,
                    "legacy": LEGACY_SOURCE,
                    "rebased": REBASED_SOURCE,
                    "starts": [bar.start for bar in bars],
                    "opens": [bar.open for bar in bars],
                    "highs": [bar.high for bar in bars],
                    "lows": [bar.low for bar in bars],
                    "closes": [bar.close for bar in bars],
                    "volumes": [bar.volume for bar in bars],
                    "vwaps": vwaps,
                },
            )
            return cursor.rowcount

    @contextmanager
    def _connection(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._where, doing), self._pool.connection() as conn:
            yield conn
