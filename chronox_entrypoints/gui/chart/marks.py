"""Session separators and early-close marks: thin vertical lines across a plot."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.painting import DeviceMap, draw_rects
from chronox_entrypoints.gui.chart.slots import SlotAxis

_MIN_GAP_PX = 4.0
_TICK_PX = 6.0


class SessionMarksItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph has no stubs
    """A line before each session's first slot; an early close's end in its own colour.

    Zoomed out until sessions are closer than a few pixels, lines would paint the plot
    solid: separators are left out then, and early closes shrink to a tick at the top.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(-1)
        self._starts: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._early_ends: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._separator = QColor(palette.SESSION_SEPARATOR)
        self._early = QColor(palette.EARLY_CLOSE)
        self._view = QRectF()

    def set_slot_axis(self, axis: SlotAxis | None) -> None:
        self._starts = np.zeros(0, np.int64) if axis is None else axis.session_starts[1:]
        self._early_ends = np.zeros(0, np.int64) if axis is None else axis.early_close_ends()
        self.update()

    def set_view_rect(self, rect: QRectF) -> None:
        """The plot's visible range (its view box's ``viewRect``): the lines span it."""
        self.prepareGeometryChange()
        self._view = QRectF(rect)

    def boundingRect(self) -> QRectF:
        return self._view

    def dataBounds(self, *args: object, **kwargs: object) -> None:
        return None  # never part of an auto-range

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = self._view
        device = DeviceMap(painter.transform())
        top, bottom = sorted((float(device.y(view.top())), float(device.y(view.bottom()))))
        separators = self._in_view(self._starts, device)
        dense = separators.shape[0] > 1 and float(np.min(np.diff(separators))) < _MIN_GAP_PX
        early = self._in_view(self._early_ends, device)
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        if not dense:
            painter.setBrush(self._separator)
            draw_rects(painter, _columns(separators, top, bottom - top))
        painter.setBrush(self._early)
        draw_rects(painter, _columns(early, top, _TICK_PX if dense else bottom - top))
        painter.restore()

    def _in_view(self, slots: npt.NDArray[np.int64], device: DeviceMap) -> npt.NDArray[np.float64]:
        """Left pixels of the lines before ``slots`` that fall in view."""
        shown = slots[(slots >= self._view.left()) & (slots <= self._view.right() + 1)]
        return np.floor(device.x(shown - 0.5))


def _columns(x: npt.NDArray[np.float64], top: float, height: float) -> npt.NDArray[np.float64]:
    """One-pixel-wide rectangles at ``x``."""
    return np.column_stack([x, np.full_like(x, top), np.ones_like(x), np.full_like(x, height)])
