"""A view box that zooms and pans in x only and turns drags into slot selections."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal


class SlotViewBox(pg.ViewBox):  # type: ignore[misc]  # pyqtgraph has no stubs
    """x follows the mouse (wheel zooms, drag pans); y is the chart's to set.

    A left drag selects instead of panning on the ribbon (``select_by_drag``) and with
    Shift held elsewhere: ``dragging`` while it moves, ``dragSelected`` at release, both
    with the x of the press and of the cursor. A left click reports its x.
    """

    dragging = Signal(float, float)
    dragSelected = Signal(float, float)
    clicked = Signal(float)

    def __init__(self, select_by_drag: bool = False) -> None:
        super().__init__(enableMenu=False)
        self._select_by_drag = select_by_drag
        self.setMouseEnabled(x=True, y=False)

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() != Qt.MouseButton.LeftButton or not (self._select_by_drag or shift):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos()).x()
        here = self.mapSceneToView(ev.scenePos()).x()
        (self.dragSelected if ev.isFinish() else self.dragging).emit(start, here)

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseClickEvent(ev)
            return
        ev.accept()
        self.clicked.emit(self.mapSceneToView(ev.scenePos()).x())
