"""Bars as numpy columns: what the chart presenter hands a view, a block at a time.

A block is one array per field (``FIELDS``), all of one length, sorted by ``start_ns``
(UTC epoch nanoseconds, exact) with unique starts: the layout of the chart's
``BarColumns``, whose field names, ``epoch_ns`` and ordering rule it shares (the chart's
``columns`` module needs numpy alone, no Qt), so a view merges a block without
converting it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from chronox_entrypoints.gui.chart.columns import (
    FIELDS,
    PRICE_FIELDS,
    Block,
    epoch_ns,
    sorted_unique,
)
from chronox_presentation import BarOut

__all__ = ["FIELDS", "Block", "block_of", "empty_block", "epoch_ns", "inside", "length", "merge"]

_ROW = np.dtype(
    [("start_ns", np.int64), *((name, np.float64) for name in PRICE_FIELDS), ("provisional", bool)]
)


def empty_block() -> Block:
    return {name: np.zeros(0, _ROW[name]) for name in FIELDS}


def block_of(bars: Sequence[BarOut], provisional: bool = False) -> Block:
    """Columns of ``bars`` (a bar event's own ``provisional`` flag wins), sorted."""

    def row(bar: BarOut) -> tuple[Any, ...]:
        flag = bool(getattr(bar, "provisional", provisional))
        return (epoch_ns(bar.start), bar.open, bar.high, bar.low, bar.close, bar.volume, flag)

    rows = np.fromiter((row(bar) for bar in bars), _ROW, count=len(bars))
    return sorted_unique({name: rows[name] for name in FIELDS})


def length(block: Block) -> int:
    return int(block["start_ns"].shape[0])


def merge(held: Block, new: Block) -> Block:
    """``held`` with ``new`` upserted: a bar of ``new`` replaces the one in its slot."""
    if length(new) == 0:
        return held
    if length(held) == 0:
        return new
    if new["start_ns"][0] > held["start_ns"][-1]:  # the usual live bar: appended
        return {name: np.concatenate([held[name], new[name]]) for name in FIELDS}
    if new["start_ns"][-1] < held["start_ns"][0]:  # an older page: prepended
        return {name: np.concatenate([new[name], held[name]]) for name in FIELDS}
    return sorted_unique({name: np.concatenate([held[name], new[name]]) for name in FIELDS})


def inside(block: Block, start_ns: int, end_ns: int) -> npt.NDArray[np.bool_]:
    """Which bars of ``block`` start in ``[start_ns, end_ns)``."""
    starts = block["start_ns"]
    return (starts >= start_ns) & (starts < end_ns)
