"""The coverage ribbon: what the ledger knows about each slot, as coloured spans."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyleOptionGraphicsItem, QWidget

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.painting import DeviceMap, draw_rects


class Segment(NamedTuple):
    """Slots ``[start_slot, end_slot)`` of one kind (a key of ``palette.RIBBON``)."""

    start_slot: int
    end_slot: int
    kind: str


class RibbonItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph has no stubs
    """Segments drawn from y=0 to y=1, each at least one pixel wide (a one-minute gap
    in a year of bars stays visible), with the current selection over them."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._starts = np.zeros(0, np.int64)
        self._ends = np.zeros(0, np.int64)
        self._kinds = np.zeros(0, np.int64)
        self._selection: tuple[int, int] | None = None
        self._colours = [QColor(palette.RIBBON[kind]) for kind in palette.RIBBON_KINDS]
        self._selection_colour = QColor(palette.SELECTION)

    def set_segments(self, segments: Iterable[Segment | tuple[int, int, str]]) -> None:
        """Replace the segments; unknown kinds raise ``ValueError``."""
        rows = [Segment(*segment) for segment in segments]
        codes = {kind: code for code, kind in enumerate(palette.RIBBON_KINDS)}
        unknown = {row.kind for row in rows} - codes.keys()
        if unknown:
            raise ValueError(f"unknown ribbon kinds {sorted(unknown)}; choose from {list(codes)}")
        rows.sort()
        self.prepareGeometryChange()
        self._starts = np.array([r.start_slot for r in rows], np.int64)
        self._ends = np.array([r.end_slot for r in rows], np.int64)
        self._kinds = np.array([codes[r.kind] for r in rows], np.int64)
        self.update()

    def segment_at(self, slot: float) -> Segment | None:
        """The segment drawn at x = ``slot`` (of overlapping ones, the one on top: a hole
        inside final coverage), if any."""
        index = np.floor(slot + 0.5)
        holding = np.flatnonzero((self._starts <= index) & (index < self._ends))
        if holding.shape[0] == 0:
            return None
        i = int(holding[np.argmax(self._kinds[holding])])  # painted last, so on top
        kind = palette.RIBBON_KINDS[int(self._kinds[i])]
        return Segment(int(self._starts[i]), int(self._ends[i]), kind)

    def set_selection(self, selection: tuple[int, int] | None) -> None:
        self._selection = selection
        self.update()

    def boundingRect(self) -> QRectF:
        if self._starts.shape[0] == 0 and self._selection is None:
            return QRectF(0.0, 0.0, 1.0, 1.0)
        firsts = [*self._starts[:1], *(self._selection or ())]
        lasts = [*self._ends[-1:], *(self._selection or ())]
        left, right = float(min(firsts)) - 1.0, float(max(lasts)) + 1.0
        return QRectF(left, 0.0, right - left, 1.0)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        device = DeviceMap(painter.transform())
        exposed = option.exposedRect
        shown = (self._ends > exposed.left() - 1.0) & (self._starts < exposed.right() + 1.0)
        left = np.floor(device.x(self._starts[shown] - 0.5))
        right = np.maximum(np.floor(device.x(self._ends[shown] - 0.5)), left + 1.0)
        top, bottom = sorted((float(device.y(1.0)), float(device.y(0.0))))
        rects = np.column_stack(
            [
                left,
                np.full_like(left, np.floor(top)),
                right - left,
                np.full_like(left, np.ceil(bottom) - np.floor(top)),
            ]
        )
        kinds = self._kinds[shown]
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        for code, colour in enumerate(self._colours):
            painter.setBrush(colour)
            draw_rects(painter, rects[kinds == code])
        if self._selection is not None:
            first, last = sorted(self._selection)
            x0, x1 = device.x(first - 0.5), device.x(last - 0.5)
            painter.setBrush(self._selection_colour)
            draw_rects(painter, np.array([[x0, top, max(x1 - x0, 1.0), bottom - top]]))
        painter.restore()


class RibbonLegend(QWidget):
    """A swatch and a name per ribbon kind, in one row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for kind in palette.RIBBON_KINDS:
            swatch = QLabel()
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background: {palette.RIBBON[kind]};")
            name = QLabel("confirmed empty" if kind == "empty" else kind)
            name.setStyleSheet(f"color: {palette.FOREGROUND};")
            layout.addWidget(swatch)
            layout.addWidget(name)
        layout.addStretch(1)
