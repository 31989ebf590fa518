"""Stored bars a write replaces: deleted in the writer's transaction, before its upsert.

Two writers ask for it. A batch's ``replaces`` windows (a day file vouches for its whole
session: a stored bar it no longer holds is a hole now), and a raw answer's final spans
over the previous release's legacy rows (a raw re-fetch leaves raw rows only in its
window). Either way a stored bar inside a window that the write did not carry is a slot
the answer had no bar for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence

from chronox_adapters.sqlite.legacy import IN_LEGACY
from chronox_domain.interval import Interval


def drop_unreplaced(
    db: sqlite3.Connection,
    table: str,
    symbol: str,
    windows: Sequence[Interval],
    carried: Collection[int],
    *,
    legacy_only: bool = False,
) -> None:
    """Delete ``symbol``'s rows of ``table`` inside ``windows`` whose start (epoch
    seconds) is not in ``carried``; ``legacy_only``: only the legacy rows among them.

    The stored starts are read by an index range scan and compared here: a window's
    carried starts can be thousands, more than a statement's parameters."""
    legacy = f" AND {IN_LEGACY}" if legacy_only else ""
    doomed: list[tuple[str, int]] = []
    for window in windows:
        rows = db.execute(
            f"SELECT start FROM {table} WHERE symbol = ? AND start >= ? AND start < ?{legacy}",
            (symbol, int(window.start.timestamp()), int(window.end.timestamp())),
        )
        doomed.extend((symbol, start) for (start,) in rows if start not in carried)
    if doomed:
        db.executemany(f"DELETE FROM {table} WHERE symbol = ? AND start = ?", doomed)
