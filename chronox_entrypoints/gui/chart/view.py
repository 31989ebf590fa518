"""``ChartView``: candles, volume and the coverage ribbon on one calendar-slot axis.

A thin view: it draws what it is handed (a :class:`SlotAxis`, :class:`BarColumns`,
ribbon segments) and reports what the user does (the visible slots, a selected range,
the slot under the cursor). Fetching and deciding are the presenter's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.axis import SlotAxisItem
from chronox_entrypoints.gui.chart.candles import CandleItem, VolumeItem
from chronox_entrypoints.gui.chart.columns import BarColumns, BarLike, epoch_ns
from chronox_entrypoints.gui.chart.marks import SessionMarksItem
from chronox_entrypoints.gui.chart.ribbon import RibbonItem, RibbonLegend, Segment
from chronox_entrypoints.gui.chart.series import PlacedBars
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_entrypoints.gui.chart.viewbox import SlotViewBox

_AXIS_WIDTH = 64  # px: one width for every left axis, so the three plots line up
_Y_PADDING = 0.05
_PAN_FRACTION = 0.1
_ZOOM_FACTOR = 1.25
_DEFAULT_SPAN = 400  # slots shown by set_bars when nothing is shown yet
_FOLLOW_ROOM = 0.1  # share of the width left free after the last bar when following
_MIN_HALF_SPAN = 2.0  # zoomed all the way in, four slots stay in view
_EDGE_ROOM = 0.1  # a view keeps at least this share of its width on the axis


class ChartView(QWidget):
    """Price candles, volume below, the coverage ribbon below that, linked in x.

    Signals: ``visibleRangeChanged(first_slot, last_slot)`` when the user zooms or pans
    (the loader fetches older pages from it); ``rangeSelected(start, end)``, UTC
    datetimes of a range picked on the ribbon (click a segment, drag) or Shift+drag on
    the chart (the presenter asks ``POST /backfill`` for it); ``hovered(slot)`` under
    the cursor (-1 off the axis).
    """

    visibleRangeChanged = Signal(int, int)
    rangeSelected = Signal(object, object)
    hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._axis = SlotAxis([], Timeframe.M1)
        self._bars = PlacedBars(BarColumns(), self._axis)
        self._build_plots()
        self._build_layout()

    # -- public API ----------------------------------------------------------------

    @property
    def axis(self) -> SlotAxis:
        return self._axis

    @property
    def columns(self) -> BarColumns:
        return self._bars.columns

    def set_axis(self, axis: SlotAxis) -> None:
        """Put the chart on ``axis``. The same bars stay in view when it only adds
        sessions (:meth:`SlotAxis.extended`); ribbon segments are slots of the old axis,
        so hand them again with :meth:`set_coverage`."""
        first, last = self._price.viewRange()[0]
        same_grid = axis.timeframe is self._axis.timeframe and len(self._axis) > 0
        shift = max(axis.offset_from(self._axis), 0) if same_grid else 0
        self._axis = axis
        self._slot_axis.set_slot_axis(axis)
        for marks in self._marks:
            marks.set_slot_axis(axis)
        self._bars.replace(axis=axis)
        self._limit_panning()
        self._redraw_bars()
        if shift:
            self.show_range(round(first + 0.5) + shift, round(last + 0.5) + shift)

    def set_bars(self, columns: BarColumns) -> None:
        """Show these columns (held, not copied). With nothing shown yet, the view
        goes to the last bars."""
        self._bars.replace(columns=columns)
        self._redraw_bars()
        if not self._shown and len(self._bars):
            last = int(self._bars.slots[-1])
            self.show_range(max(0, last - _DEFAULT_SPAN + 1), last + 1)

    def bars_changed(self) -> None:
        """The columns changed in bulk (``merge``, ``prepend``): place and draw again."""
        self._bars.replace()
        self._redraw_bars()

    def update_bar(self, bar: BarLike | Mapping[str, Any], provisional: bool = False) -> int:
        """Upsert one bar (a ``BarEventOut`` from the live feed); see :meth:`upsert_bar`."""

        def field(name: str, default: Any = None) -> Any:
            if isinstance(bar, Mapping):
                return bar.get(name, default)
            return getattr(bar, name, default)

        return self.upsert_bar(
            epoch_ns(field("start")),
            field("open"),
            field("high"),
            field("low"),
            field("close"),
            field("volume"),
            bool(field("provisional", provisional)),
        )

    def upsert_bar(
        self,
        start_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        provisional: bool = False,
    ) -> int:
        """Upsert one bar and repaint only its slot; return the slot (-1: outside every
        session). With the last bar in view, the view follows a new last slot, a tenth of
        its width at a time."""
        last_before = int(self._bars.slots[-1]) if len(self._bars) else -1
        first, right = self._price.viewRange()[0]
        slot = self._bars.upsert(start_ns, open, high, low, close, volume, provisional)
        if slot < 0:
            return slot
        for item in (self._candles, self._volume):
            item.bar_changed(slot)
        if slot == self._hovered:
            self._refresh_readout()
        if first <= last_before <= right < slot + 0.5:  # the last bar was in view: follow
            # Jump a tenth of the width at once: the bars after this one land in view
            # and repaint their slot only, instead of panning the chart for each one.
            width = right - first
            end = slot + 1 + max(1, round(width * _FOLLOW_ROOM))
            self.show_range(round(end - width), end)
        elif first <= slot <= right:
            self._fit_y_if_outside(high, low, volume)
        return slot

    def set_coverage(self, segments: Iterable[Segment | tuple[int, int, str]]) -> None:
        """The ribbon's segments: ``(start_slot, end_slot, kind)``, kinds of
        ``palette.RIBBON`` (final, provisional, gap, hole, unconfirmed, empty, unlisted)."""
        self._ribbon.set_segments(segments)

    def show_range(self, start_slot: int, end_slot: int) -> None:
        """Show slots ``[start_slot, end_slot)``."""
        self._price.setXRange(start_slot - 0.5, end_slot - 0.5, padding=0)

    def visible_slots(self) -> tuple[int, int]:
        """The first and last slot (inclusive) in view, clipped to the axis."""
        first, last = self._price.viewRange()[0]
        top = max(len(self._axis) - 1, 0)
        return min(max(math.ceil(first), 0), top), min(max(math.floor(last), 0), top)

    @property
    def readout(self) -> str:
        """The crosshair's OHLCV line for the slot under the cursor, in exchange time."""
        return self._readout.text().strip()

    def price_point(self, slot: float, price: float) -> QPoint:
        """Where ``(slot, price)`` is drawn, in this widget's pixels (tests, automation)."""
        return self._widget_point(self._price, slot, price)

    def volume_point(self, slot: float, volume: float) -> QPoint:
        return self._widget_point(self._volume_plot, slot, volume)

    def ribbon_point(self, slot: float) -> QPoint:
        """The middle of the ribbon at ``slot``, in this widget's pixels."""
        return self._widget_point(self._ribbon_plot, slot, 0.5)

    def _widget_point(self, plot: pg.PlotItem, x: float, y: float) -> QPoint:
        scene: QPointF = plot.getViewBox().mapViewToScene(QPointF(x, y))
        in_graphics: QPoint = self._graphics.mapFromScene(scene)
        graphics: QWidget = self._graphics
        return graphics.mapTo(self, in_graphics)

    # -- construction --------------------------------------------------------------

    def _build_plots(self) -> None:
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(palette.BACKGROUND)
        self._graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._slot_axis = SlotAxisItem()
        self._price = self._graphics.addPlot(row=0, col=0, viewBox=SlotViewBox())
        self._volume_plot = self._graphics.addPlot(row=1, col=0, viewBox=SlotViewBox())
        self._ribbon_plot = self._graphics.addPlot(
            row=2,
            col=0,
            viewBox=SlotViewBox(select_by_drag=True),
            axisItems={"bottom": self._slot_axis},
        )
        layout = self._graphics.ci.layout
        layout.setRowStretchFactor(0, 5)
        layout.setRowStretchFactor(1, 1)
        self._ribbon_plot.setFixedHeight(48)
        self._ribbon_plot.setYRange(0, 1, padding=0)
        self._ribbon_plot.getAxis("left").setStyle(showValues=False, tickLength=0)
        for plot in (self._price, self._volume_plot, self._ribbon_plot):
            plot.getAxis("left").setWidth(_AXIS_WIDTH)
            for side in ("left", "bottom"):
                # No unit prefix in labels: pyqtgraph would rewrite its label's HTML on
                # every range change (a millisecond per pan).
                plot.getAxis(side).enableAutoSIPrefix(False)
            plot.disableAutoRange()
            plot.hideButtons()
        for plot in (self._price, self._volume_plot):
            plot.hideAxis("bottom")
            plot.setXLink(self._ribbon_plot)
        self._candles = CandleItem()
        self._volume = VolumeItem()
        self._ribbon = RibbonItem()
        self._marks = (SessionMarksItem(), SessionMarksItem())
        self._price.addItem(self._marks[0])
        self._volume_plot.addItem(self._marks[1])
        self._price.addItem(self._candles)
        self._volume_plot.addItem(self._volume)
        self._ribbon_plot.addItem(self._ribbon)
        self._build_crosshair()
        self._shown = False
        self._hovered = -1
        self._setting_limits = False
        self._price.getViewBox().sigXRangeChanged.connect(self._x_range_changed)
        for plot, marks in zip((self._price, self._volume_plot), self._marks, strict=True):
            box = plot.getViewBox()
            box.sigRangeChanged.connect(lambda b, *_, m=marks: m.set_view_rect(b.viewRect()))
        ribbon_box = self._ribbon_plot.getViewBox()
        ribbon_box.clicked.connect(self._ribbon_clicked)
        for box in (ribbon_box, self._price.getViewBox(), self._volume_plot.getViewBox()):
            box.dragging.connect(self._drag_moved)
            box.dragSelected.connect(self._drag_finished)

    def _build_crosshair(self) -> None:
        pen = pg.mkPen(palette.CROSSHAIR, width=1)
        self._cross_x = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self._cross_y = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        self._cross_volume = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self._price.addItem(self._cross_x, ignoreBounds=True)
        self._price.addItem(self._cross_y, ignoreBounds=True)
        self._volume_plot.addItem(self._cross_volume, ignoreBounds=True)
        self._graphics.scene().sigMouseMoved.connect(self._mouse_moved)

    def _build_layout(self) -> None:
        self._readout = QLabel(" ")
        self._readout.setStyleSheet(
            f"color: {palette.FOREGROUND}; background: {palette.BACKGROUND}; padding: 2px;"
        )
        self._legend = RibbonLegend()
        self.setStyleSheet(f"background: {palette.BACKGROUND};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._readout)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self._legend)

    # -- drawing -------------------------------------------------------------------

    def _limit_panning(self) -> None:
        """Zoom in to four slots at most, out to the whole axis and a little more."""
        widest = max(len(self._axis) * (1 + 2 * _EDGE_ROOM), 4 * _MIN_HALF_SPAN)
        # pyqtgraph re-applies the range when limits change: that is no move of the
        # user's, so nothing may follow from it (a loader would fetch for it).
        self._setting_limits = True
        try:
            self._price.getViewBox().setLimits(minXRange=2 * _MIN_HALF_SPAN, maxXRange=widest)
        finally:
            self._setting_limits = False

    def _kept_on_the_axis(self, first: float, last: float) -> bool:
        """Move a view that left the axis back until some of it shows slots; say whether
        it had to (nobody gets lost in slots that do not exist)."""
        width, slots = last - first, len(self._axis)
        lowest = -0.5 - (1 - _EDGE_ROOM) * width
        highest = slots - 0.5 - _EDGE_ROOM * width
        if not slots or lowest <= first <= highest:
            return False
        start = min(max(first, lowest), highest)
        self._price.setXRange(start, start + width, padding=0)
        return True

    def _redraw_bars(self) -> None:
        self._candles.set_bars(self._bars)
        self._volume.set_bars(self._bars)
        self._fit_y()
        self._refresh_readout()

    def _x_range_changed(self) -> None:
        if self._setting_limits:
            return
        first, last = self._price.viewRange()[0]
        if self._kept_on_the_axis(first, last):
            return  # the range set there calls back here
        self._shown = True
        self._fit_y()
        self.visibleRangeChanged.emit(*self.visible_slots())

    def _visible_extent(self) -> tuple[float, float, float] | None:
        """Lowest low, highest high and tallest volume column as they will be drawn
        (zoomed out, a column sums the volume of the bars it merges)."""
        first, last = self._price.viewRange()[0]
        self._price.getViewBox().updateMatrix()  # the x mapping of the range just set
        drawn = self._candles.drawn_bars(first, last)
        if drawn is not None:
            if drawn.x.shape[0] == 0:
                return None
            return float(drawn.low.min()), float(drawn.high.max()), float(drawn.volume.max())
        i, j = self._bars.visible(math.ceil(first), last)  # not laid out yet: no pixels
        if j <= i:
            return None
        c = self._bars.columns
        return float(c.low[i:j].min()), float(c.high[i:j].max()), float(c.volume[i:j].max())

    def _fit_y(self) -> None:
        extent = self._visible_extent()
        if extent is None:
            return
        low, high, volume = extent
        pad = max(high - low, abs(high) * 1e-3, 1e-9) * _Y_PADDING
        self._price.setYRange(low - pad, high + pad, padding=0)
        self._volume_plot.setYRange(0, max(volume, 1e-9) * (1 + _Y_PADDING), padding=0)

    def _fit_y_if_outside(self, high: float, low: float, volume: float) -> None:
        (_, _), (y0, y1) = self._price.viewRange()
        v1 = self._volume_plot.viewRange()[1][1]
        if low < y0 or high > y1 or volume > v1:
            self._fit_y()

    # -- the user ------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        first, last = self._price.viewRange()[0]
        width = last - first
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._zoom(1 / _ZOOM_FACTOR)
        elif key == Qt.Key.Key_Minus:
            self._zoom(_ZOOM_FACTOR)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            self._price.setXRange(
                *(x + sign * width * _PAN_FRACTION for x in (first, last)), padding=0
            )
        elif key == Qt.Key.Key_Home:
            self._price.setXRange(-0.5, width - 0.5, padding=0)
        elif key == Qt.Key.Key_End and len(self._bars):
            end = float(self._bars.slots[-1]) + 1.5
            self._price.setXRange(end - width, end, padding=0)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _zoom(self, factor: float) -> None:
        first, last = self._price.viewRange()[0]
        centre, half = (first + last) / 2, max((last - first) * factor / 2, _MIN_HALF_SPAN)
        self._price.setXRange(centre - half, centre + half, padding=0)

    def _mouse_moved(self, position: QPointF) -> None:
        for plot in (self._price, self._volume_plot, self._ribbon_plot):
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(position):
                point = box.mapSceneToView(position)
                self._show_crosshair(round(point.x()), point.y() if plot is self._price else None)
                return

    def _show_crosshair(self, slot: int, price: float | None) -> None:
        for line in (self._cross_x, self._cross_volume):
            line.setPos(slot)
        if price is not None:
            self._cross_y.setPos(price)
        hovered = slot if 0 <= slot < len(self._axis) else -1
        if hovered != self._hovered:  # a move within one slot changes nothing to say
            self._hovered = hovered
            self._refresh_readout()
            self.hovered.emit(hovered)

    def _refresh_readout(self) -> None:
        inside = 0 <= self._hovered < len(self._axis)
        self._readout.setText(self._describe(self._hovered) if inside else " ")

    def _describe(self, slot: int) -> str:
        when = f"{self._axis.label(slot)} {self._zone_abbreviation(slot)}"
        i = int(np.searchsorted(self._bars.slots, slot))
        if i >= len(self._bars) or int(self._bars.slots[i]) != slot or not self._bars.inside[i]:
            return f"{when}   no bar"
        c = self._bars.columns
        text = (
            f"{when}   O {_price(c.open[i])}  H {_price(c.high[i])}  "
            f"L {_price(c.low[i])}  C {_price(c.close[i])}  V {c.volume[i]:,.0f}"
        )
        return text + ("   provisional" if c.provisional[i] else "")

    def _zone_abbreviation(self, slot: int) -> str:
        if not self._axis.timeframe.is_intraday:
            return ""
        return self._axis.datetime_of(slot).astimezone(self._axis.zone).tzname() or ""

    def _slot_span(self, a: float, b: float) -> tuple[int, int]:
        first = min(max(math.floor(min(a, b) + 0.5), 0), len(self._axis))
        last = min(max(math.floor(max(a, b) + 0.5), 0), len(self._axis) - 1)
        return first, max(last + 1, first + 1)

    def _drag_moved(self, a: float, b: float) -> None:
        self._ribbon.set_selection(self._slot_span(a, b))

    def _drag_finished(self, a: float, b: float) -> None:
        self._select(*self._slot_span(a, b))

    def _ribbon_clicked(self, x: float) -> None:
        segment = self._ribbon.segment_at(x)
        if segment is not None:
            self._select(segment.start_slot, segment.end_slot)

    def _select(self, start_slot: int, end_slot: int) -> None:
        if not len(self._axis):
            return
        self._ribbon.set_selection((start_slot, end_slot))
        self.rangeSelected.emit(*self._axis.span(start_slot, end_slot))


def _price(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"
