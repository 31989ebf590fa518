"""Bars placed on a slot axis: the slot of each bar, kept in step with its columns."""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
import numpy.typing as npt

from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.slots import SlotAxis

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class PlacedBars:
    """``columns`` on ``axis``: ``slots[i]`` is bar i's slot, ``inside[i]`` whether it lies
    in a session (a bar outside every session is kept but never drawn)."""

    def __init__(self, columns: BarColumns, axis: SlotAxis) -> None:
        self.columns = columns
        self.axis = axis
        self._slots = np.zeros(0, np.int64)
        self._inside = np.zeros(0, bool)
        self._count = 0
        self.all_inside = True
        self._version = 0
        self._memo: tuple[Hashable, object] | None = None
        self.replace(columns, axis)

    @property
    def slots(self) -> Int64Array:
        return self._slots[: self._count]

    @property
    def inside(self) -> BoolArray:
        return self._inside[: self._count]

    def __len__(self) -> int:
        return self._count

    def replace(self, columns: BarColumns | None = None, axis: SlotAxis | None = None) -> None:
        """Place every bar again (new bars, a page merged, or a new axis)."""
        self.columns = columns if columns is not None else self.columns
        self.axis = axis if axis is not None else self.axis
        self._slots, self._inside = self.axis.locate(self.columns.start_ns)
        self._count = len(self.columns)
        self.all_inside = bool(self._inside.all())
        self._changed()

    def upsert(
        self,
        start_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        provisional: bool = False,
    ) -> int:
        """Upsert one bar into the columns and place it; return its slot (-1: outside)."""
        before = len(self.columns)
        position = self.columns.upsert(start_ns, open, high, low, close, volume, provisional)
        self._changed()
        if len(self.columns) == before:
            return int(self._slots[position]) if self._inside[position] else -1
        slots, inside = self.axis.locate(np.array([start_ns], np.int64))
        if self._count == self._slots.shape[0]:  # double the room: amortised O(1)
            grow = max(16, self._count)
            self._slots = np.concatenate([self._slots, np.zeros(grow, np.int64)])
            self._inside = np.concatenate([self._inside, np.zeros(grow, bool)])
        # A bar in a hole moves the slots after it on by one (one memmove); a new last
        # bar moves none.
        tail = slice(position + 1, self._count + 1)
        self._slots[tail] = self._slots[position : self._count]
        self._inside[tail] = self._inside[position : self._count]
        self._slots[position] = slots[0]
        self._inside[position] = inside[0]
        self._count += 1
        self.all_inside = self.all_inside and bool(inside[0])
        return int(slots[0]) if inside[0] else -1

    def visible(self, first_slot: float, last_slot: float) -> tuple[int, int]:
        """Positions ``[i, j)`` of the bars whose slots lie in ``[first_slot, last_slot]``."""
        # Integer keys: a float key would make numpy convert every slot to float first.
        keys = np.array([math.floor(first_slot), math.floor(last_slot) + 1], dtype=np.int64)
        i, j = np.searchsorted(self.slots, keys)
        return int(i), int(j)

    def recall(self, key: Hashable) -> object | None:
        """What :meth:`remember` kept under ``key`` since the bars last changed."""
        if self._memo is not None and self._memo[0] == (self._version, key):
            return self._memo[1]
        return None

    def remember(self, key: Hashable, value: object) -> None:
        """Keep one value (what the last paint drew) until the bars change."""
        self._memo = ((self._version, key), value)

    def _changed(self) -> None:
        self._version += 1
        self._memo = None
