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


class SessionMarksItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph has no stubs
    """A line before each session's first slot; an early close's end in its own colour.

    Zoomed out until sessions are closer than a few pixels, separators would paint
    the plot solid: they are left out then, early closes are not.
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

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the bounds are the view's, which just moved

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
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, slots, min_gap in (
            (self._separator, self._starts, 4.0),
            (self._early, self._early_ends, 0.0),
        ):
            shown = slots[(slots >= view.left()) & (slots <= view.right() + 1)]
            x = np.floor(device.x(shown - 0.5))
            if shown.shape[0] > 1 and float(np.min(np.diff(x))) < min_gap:
                continue
            rects = np.column_stack([x, np.full_like(x, top), np.ones_like(x),
                                     np.full_like(x, bottom - top)])
            painter.setBrush(colour)
            draw_rects(painter, rects)
        painter.restore()
