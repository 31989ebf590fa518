"""Candles and volume bars on the slot axis, painted from numpy in a few draw calls.

Each paint draws only the exposed slot range, one bar per pixel column at most
(``pixels.py``), so it costs O(pixel columns) in Qt and never a Python loop per bar.
Items draw in device pixels (the painter's data-to-pixel transform applied by numpy),
so edges are crisp and a candle is never thinner than one pixel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.painting import DeviceMap, draw_rects
from chronox_entrypoints.gui.chart.pixels import PixelBars, pixel_bars
from chronox_entrypoints.gui.chart.series import PlacedBars

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_BODY_FRACTION = 0.7


class SlotBarsItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph has no stubs
    """What candles and volume share: the bars, their bounds, the visible slice."""

    def __init__(self, bars: PlacedBars | None = None) -> None:
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._bars = bars
        self._bounds = QRectF()
        self.set_bars(bars)

    def set_bars(self, bars: PlacedBars | None) -> None:
        """Show these bars (or none); call again after they changed in bulk."""
        self.prepareGeometryChange()
        self._bars = bars
        self._bounds = self._measure()
        self.update()

    def bar_changed(self, slot: int) -> None:
        """One bar changed in place or was appended: repaint its slot's strip only."""
        bars = self._bars
        if bars is None or len(bars) == 0 or slot < 0:
            return
        grown = self._measure_one(slot)
        if not self._bounds.contains(grown):
            self.prepareGeometryChange()
            # With room to spare, so that the next few moves of a live bar fit.
            room = 0.1 * max(self._bounds.height(), grown.height())
            self._bounds = self._bounds.united(grown.adjusted(0.0, -room, 0.0, room))
        strip = QRectF(slot - 1.0, self._bounds.top(), 2.0, self._bounds.height())
        self.update(strip)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _y_extent(self, i: int, j: int) -> tuple[float, float]:
        raise NotImplementedError

    def _measure(self) -> QRectF:
        bars = self._bars
        if bars is None or len(bars) == 0:
            return QRectF()
        low, high = self._y_extent(0, len(bars))
        slots = bars.slots
        # To the axis' end: a live bar in a later slot then stays inside the bounds, and
        # repaints its own strip rather than the whole item (as a bounds change would).
        left, right = float(slots[0]) - 1.0, max(float(slots[-1]), len(bars.axis)) + 1.0
        return QRectF(left, low, right - left, max(high - low, 1e-9))

    def _measure_one(self, slot: int) -> QRectF:
        assert self._bars is not None
        i, j = self._bars.visible(slot, slot)
        low, high = self._y_extent(i, j)
        return QRectF(slot - 1.0, low, 2.0, max(high - low, 1e-9))

    def drawn_bars(self, first: float, last: float) -> PixelBars | None:
        """The bars a full paint of slots ``[first, last]`` draws, or None before the item
        is on screen (the view fits its y-range to them)."""
        transform = self.deviceTransform_()
        if self._bars is None or transform is None or transform.m11() <= 0:
            return None
        device = DeviceMap(transform)
        area = QRectF(first, self._bounds.top(), last - first, self._bounds.height())
        drawn = pixel_bars(self._bars, device, area.intersected(self._bounds))
        # Only bars centred in view: a paint also draws the halves at the edges.
        inside = (drawn.x >= np.floor(device.x(first))) & (drawn.x <= device.x(last))
        return drawn if bool(inside.all()) else drawn.where(inside)

    def _pixel_bars(self, painter: QPainter, exposed: QRectF) -> tuple[PixelBars, DeviceMap]:
        assert self._bars is not None
        device = DeviceMap(painter.transform())
        if painter.hasClipping():  # the view box's clip: what drawn_bars saw, memo and all
            exposed = exposed.intersected(painter.clipBoundingRect())
        return pixel_bars(self._bars, device, exposed), device

    def _body_width(self, device: DeviceMap) -> int:
        width = int(abs(device.sx) * _BODY_FRACTION)
        return max(1, width - (1 - width % 2))  # odd, so the wick sits in the middle


class CandleItem(SlotBarsItem):
    """OHLC candles: filled when settled, hollow while provisional."""

    def __init__(self, bars: PlacedBars | None = None) -> None:
        self._up = QColor(palette.UP)
        self._down = QColor(palette.DOWN)
        self._provisional = QColor(palette.PROVISIONAL)
        super().__init__(bars)

    def _y_extent(self, i: int, j: int) -> tuple[float, float]:
        assert self._bars is not None
        if j <= i:
            return 0.0, 0.0
        c = self._bars.columns
        return float(c.low[i:j].min()), float(c.high[i:j].max())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._bars is None or len(self._bars) == 0:
            return
        bars, device = self._pixel_bars(painter, option.exposedRect)
        if bars.x.shape[0] == 0:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        top = np.floor(device.y(bars.high))
        bottom = np.ceil(device.y(bars.low))
        if bars.merged:
            self._paint_columns(painter, bars, top, bottom)
        else:
            self._paint_candles(painter, bars, device, top, bottom)
        painter.restore()

    def _paint_columns(
        self, painter: QPainter, bars: PixelBars, top: FloatArray, bottom: FloatArray
    ) -> None:
        wicks = _rects(bars.x, top, 1.0, np.maximum(bottom - top, 1.0))
        up = bars.up
        for colour, chosen in (
            (self._up, up & ~bars.provisional),
            (self._down, ~up & ~bars.provisional),
            (self._provisional, bars.provisional),
        ):
            painter.setBrush(colour)
            draw_rects(painter, wicks[chosen])

    def _paint_candles(
        self,
        painter: QPainter,
        bars: PixelBars,
        device: DeviceMap,
        top: FloatArray,
        bottom: FloatArray,
    ) -> None:
        width = self._body_width(device)
        y_open, y_close = device.y(bars.open), device.y(bars.close)
        body_top = np.floor(np.minimum(y_open, y_close))
        body_height = np.maximum(np.ceil(np.maximum(y_open, y_close)) - body_top, 1.0)
        body_bottom = body_top + body_height
        # Wicks above and below the body, so a hollow body stays empty inside.
        upper = _rects(bars.x, top, 1.0, np.maximum(body_top - top, 0.0))
        lower = _rects(bars.x, body_bottom, 1.0, np.maximum(bottom - body_bottom, 0.0))
        bodies = _rects(bars.x - width // 2, body_top, float(width), body_height)
        up = bars.up
        settled = ~bars.provisional
        for colour, side in ((self._up, up), (self._down, ~up)):
            painter.setBrush(colour)
            draw_rects(painter, upper[side])
            draw_rects(painter, lower[side])
            draw_rects(painter, bodies[side & settled])
        _stroke_hollow(painter, bodies, bars.provisional, up, self._up, self._down)


class VolumeItem(SlotBarsItem):
    """Volume bars from zero, in the candles' colours dimmed; hollow while provisional."""

    def __init__(self, bars: PlacedBars | None = None) -> None:
        self._up = QColor(palette.VOLUME_UP)
        self._down = QColor(palette.VOLUME_DOWN)
        self._provisional = QColor(palette.PROVISIONAL)
        super().__init__(bars)

    def _y_extent(self, i: int, j: int) -> tuple[float, float]:
        assert self._bars is not None
        if j <= i:
            return 0.0, 0.0
        return 0.0, float(self._bars.columns.volume[i:j].max())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._bars is None or len(self._bars) == 0:
            return
        bars, device = self._pixel_bars(painter, option.exposedRect)
        if bars.x.shape[0] == 0:
            return
        painter.save()
        painter.resetTransform()
        base = float(np.round(device.y(0.0)))
        top = np.minimum(np.floor(device.y(bars.volume)), base - 1.0)
        width = 1 if bars.merged else self._body_width(device)
        rects = _rects(bars.x - width // 2, top, float(width), base - top)
        up = bars.up
        settled = ~bars.provisional
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, chosen in ((self._up, up), (self._down, ~up)):
            painter.setBrush(colour)
            draw_rects(painter, rects[chosen & settled])
        if bars.merged:  # one-pixel columns cannot be hollow
            painter.setBrush(self._provisional)
            draw_rects(painter, rects[bars.provisional])
        else:
            _stroke_hollow(painter, rects, bars.provisional, up, self._up, self._down)
        painter.restore()


def _stroke_hollow(
    painter: QPainter,
    rects: FloatArray,
    hollow: BoolArray,
    up: BoolArray,
    up_colour: QColor,
    down_colour: QColor,
) -> None:
    """Outline the ``hollow`` rectangles, one pixel wide, inside their edges."""
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for colour, side in ((up_colour, up), (down_colour, ~up)):
        pen = QPen(colour, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        # A pen strokes centred on the edge: half a pixel in keeps the outline inside.
        draw_rects(painter, rects[side & hollow] + np.array([0.5, 0.5, -1.0, -1.0]))


def _rects(
    left: FloatArray, top: FloatArray, width: float | FloatArray, height: FloatArray
) -> FloatArray:
    out = np.empty((left.shape[0], 4), dtype=np.float64)
    out[:, 0] = left
    out[:, 1] = top
    out[:, 2] = width
    out[:, 3] = height
    return out
