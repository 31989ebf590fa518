"""The bottom axis of the chart: labels from the slot axis, in exchange time."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg

from chronox_entrypoints.gui.chart.slots import SlotAxis


class SlotAxisItem(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no stubs
    """Ticks at slot starts (x = slot - 0.5): times zoomed in, dates zoomed out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.slot_axis: SlotAxis | None = None
        self._labels: dict[float, str] = {}

    def set_slot_axis(self, axis: SlotAxis | None) -> None:
        self.slot_axis = axis
        self.picture = None  # pyqtgraph's cached drawing of the ticks
        self.update()

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        if self.slot_axis is None:
            return []
        ticks = self.slot_axis.ticks(minVal + 0.5, maxVal + 0.5, size)
        self._labels = {slot - 0.5: text for slot, text in ticks}
        return [(1.0, list(self._labels))]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self._labels.get(value, "") for value in values]
