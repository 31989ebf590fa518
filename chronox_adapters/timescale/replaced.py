"""Stored bars a write replaces: deleted in the writer's transaction, before its upsert.

Two writers ask for it. A batch's ``replaces`` windows (a day file vouches for its whole
session: a stored bar it no longer holds is a hole now), and, in a store that holds the
previous release's legacy rows, a raw answer's final spans (a raw re-fetch leaves raw
rows only in its window). Either way a stored bar inside a window that the write does
not carry is a slot the answer had no bar for.

One DELETE per bars table for every batch of the write, between the COPY into the
staging table (what the write carries; ``without_replaced`` took out of it what a later
batch of a series replaces) and the upsert: only the bars stored before the write are
read (one index range scan a window: a series new in its window costs one probe), less
what the staging table holds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from psycopg import Connection

from chronox_adapters.timescale.legacy import IN_LEGACY, NO_DECOMPRESSION_LIMIT
from chronox_adapters.timescale.tables import BAR_TABLES
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageStatus
from chronox_domain.timeframe import Timeframe

#: The windows of a write, one row each: the series and the window.
_WINDOWS = (
    "unnest(%(symbols)s::text[], %(los)s::timestamptz[], %(his)s::timestamptz[]) "
    "AS r(symbol, lo, hi)"
)


@dataclass
class _Windows:
    symbols: list[str] = field(default_factory=list)
    los: list[datetime] = field(default_factory=list)
    his: list[datetime] = field(default_factory=list)

    def add(self, symbol: str, lo: datetime, hi: datetime) -> None:
        self.symbols.append(symbol)
        self.los.append(lo)
        self.his.append(hi)

    def params(self) -> dict[str, object]:
        return {
            "symbols": self.symbols,
            "los": self.los,
            "his": self.his,
            # The overall span as constants: only the partitions and chunks it meets.
            "lo": min(self.los),
            "hi": max(self.his),
        }


def drop_unreplaced(
    conn: Connection,
    batches: Sequence[BarBatch],
    staged: Collection[Timeframe],
    *,
    legacy: bool,
    timescale: bool,
) -> None:
    """Delete the stored bars the batches replace and the write does not carry.

    ``staged``: the timeframes whose bars this write COPYed into their staging table
    (``chronox_staging_<table>``); ``legacy``: the store holds legacy rows (a store of
    this release skips their search)."""
    replaced: dict[Timeframe, _Windows] = {}
    legacy_spans: dict[Timeframe, _Windows] = {}
    for batch in batches:
        for window in batch.replaces:
            replaced.setdefault(batch.timeframe, _Windows()).add(
                batch.symbol, window.start, window.end
            )
        if legacy:
            for span in batch.coverage:
                if span.status is CoverageStatus.FINAL:
                    legacy_spans.setdefault(batch.timeframe, _Windows()).add(
                        batch.symbol, span.interval.start, span.interval.end
                    )
    if (replaced or legacy_spans) and timescale:  # a republished day of compressed chunks
        conn.execute(NO_DECOMPRESSION_LIMIT)
    for windows_of, only in ((replaced, ""), (legacy_spans, f" AND o.{IN_LEGACY}")):
        for timeframe, windows in windows_of.items():
            conn.execute(_delete_sql(timeframe, timeframe in staged, only), windows.params())


def _delete_sql(timeframe: Timeframe, staged: bool, only: str) -> str:
    table = BAR_TABLES[timeframe]
    stored = (
        f"SELECT o.symbol, o.start FROM {_WINDOWS} JOIN {table} o ON o.symbol = r.symbol "
        f"AND o.start >= r.lo AND o.start < r.hi{only} "
        "WHERE o.start >= %(lo)s AND o.start < %(hi)s"
    )
    # EXCEPT, not NOT EXISTS: a set operation by hash or sort whatever the estimates
    # (the staging table has no statistics: an anti join could loop over it per row).
    carried = f" EXCEPT SELECT symbol, start FROM chronox_staging_{table}" if staged else ""
    return (
        f"DELETE FROM {table} t USING ({stored}{carried}) d "
        "WHERE t.symbol = d.symbol AND t.start = d.start "
        "AND t.start >= %(lo)s AND t.start < %(hi)s"
    )
