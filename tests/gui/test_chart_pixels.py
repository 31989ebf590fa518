"""ChartView rendered offscreen: the colours where the bars, holes and ribbon should be.

Hourly slots over Wed 27 Nov 2024 (09:00-16:00 New York: 7 slots) and Fri 29 Nov, an
early close (09:00-13:00: 4 slots); Thanksgiving between them takes no room.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_entrypoints.gui.chart.view import ChartView
from chronox_presentation.calendar import SessionOut

pytestmark = pytest.mark.gui

UP_SLOT, DOWN_SLOT, HOLE_SLOT, PROVISIONAL_SLOT = 0, 1, 2, 9
WEDNESDAY_LAST, FRIDAY_FIRST = 6, 7
#: slot -> (open, high, low, close); HOLE_SLOT has no bar.
BARS = {
    UP_SLOT: (100.0, 106.0, 99.0, 105.0),
    DOWN_SLOT: (105.0, 106.0, 100.0, 101.0),
    3: (101.0, 103.0, 100.0, 102.0),
    4: (102.0, 104.0, 101.0, 103.0),
    5: (103.0, 104.0, 102.0, 102.5),
    WEDNESDAY_LAST: (102.5, 104.0, 102.0, 103.5),
    FRIDAY_FIRST: (103.5, 105.0, 103.0, 104.5),
    8: (104.5, 105.0, 102.0, 102.5),
    PROVISIONAL_SLOT: (102.5, 106.0, 101.5, 105.5),
    10: (105.5, 106.0, 104.0, 104.5),
}
SEGMENTS = [(0, 2, "final"), (2, 3, "gap"), (3, 9, "final"), (9, 11, "provisional")]


@pytest.fixture
def view(qtbot: QtBot, calendar: ExchangeCalendar) -> Iterator[ChartView]:
    sessions = calendar.sessions(date(2024, 11, 27), date(2024, 11, 29), SessionKind.RTH)
    axis = SlotAxis([SessionOut.of(s) for s in sessions], Timeframe.H1)
    slots = np.array(sorted(BARS))
    o, h, low, c = (np.array([BARS[s][k] for s in slots]) for k in range(4))
    columns = BarColumns.from_arrays(
        axis.start_of(slots),
        o,
        h,
        low,
        c,
        np.full(len(slots), 1e4),
        provisional=slots == PROVISIONAL_SLOT,
    )
    chart = ChartView()
    qtbot.addWidget(chart)
    chart.resize(1200, 700)
    chart.set_axis(axis)
    chart.set_bars(columns)
    chart.set_coverage(SEGMENTS)
    chart.show_range(0, len(axis))
    chart.show()
    qtbot.waitExposed(chart)
    yield chart


def render(view: ChartView) -> QImage:
    return view.grab().toImage()


def colour_at(image: QImage, point: QPoint) -> str:
    return image.pixelColor(point).name()


def test_the_axis_has_no_room_for_thanksgiving(view: ChartView) -> None:
    assert len(view.axis) == 11
    step = view.price_point(1, 100).x() - view.price_point(0, 100).x()
    across = view.price_point(FRIDAY_FIRST, 100).x() - view.price_point(WEDNESDAY_LAST, 100).x()
    assert step > 50 and abs(across - step) <= 1


def test_up_and_down_candles_in_their_colours(view: ChartView) -> None:
    image = render(view)
    assert colour_at(image, view.price_point(UP_SLOT, 102.5)) == palette.UP
    assert colour_at(image, view.price_point(DOWN_SLOT, 103.0)) == palette.DOWN
    # Above the up candle's high: nothing.
    assert colour_at(image, view.price_point(UP_SLOT, 106.3)) == palette.BACKGROUND
    assert colour_at(image, view.volume_point(UP_SLOT, 5e3)) == palette.VOLUME_UP
    assert colour_at(image, view.volume_point(DOWN_SLOT, 5e3)) == palette.VOLUME_DOWN


def test_a_missing_slot_inside_a_session_is_a_hole(view: ChartView) -> None:
    image = render(view)
    for price in (100.5, 102.5, 104.5):
        assert colour_at(image, view.price_point(HOLE_SLOT, price)) == palette.BACKGROUND
    assert colour_at(image, view.volume_point(HOLE_SLOT, 5e3)) == palette.BACKGROUND


def test_the_ribbon_shows_the_gap_under_the_hole(view: ChartView) -> None:
    image = render(view)
    assert colour_at(image, view.ribbon_point(HOLE_SLOT)) == palette.RIBBON["gap"]
    assert colour_at(image, view.ribbon_point(UP_SLOT)) == palette.RIBBON["final"]
    assert colour_at(image, view.ribbon_point(10)) == palette.RIBBON["provisional"]


def test_a_provisional_candle_is_hollow(view: ChartView) -> None:
    image = render(view)
    centre = view.price_point(PROVISIONAL_SLOT, 104.0)
    assert colour_at(image, centre) == palette.BACKGROUND
    edge = QPoint(centre.x(), view.price_point(PROVISIONAL_SLOT, 105.5).y())
    row = {colour_at(image, QPoint(x, edge.y())) for x in range(centre.x() - 40, centre.x() + 40)}
    assert palette.UP in row  # the body's top edge


def test_session_separator_and_early_close_mark(view: ChartView) -> None:
    image = render(view)
    boundary = (
        view.price_point(WEDNESDAY_LAST, 100).x() + view.price_point(FRIDAY_FIRST, 100).x()
    ) / 2
    y = view.price_point(FRIDAY_FIRST, 100.2).y()
    near = {colour_at(image, QPoint(x, y)) for x in range(int(boundary) - 2, int(boundary) + 3)}
    assert palette.SESSION_SEPARATOR in near
    view.show_range(0, 12)  # room after Friday's last slot for its early-close mark
    image = render(view)
    end = view.price_point(10.5, 100.2)
    near = {colour_at(image, QPoint(x, end.y())) for x in range(end.x() - 2, end.x() + 3)}
    assert palette.EARLY_CLOSE in near


def test_live_bar_fills_the_hole_in_place(view: ChartView) -> None:
    start = datetime(2024, 11, 27, 16, 0, tzinfo=UTC)  # 11:00 New York: the hole's slot
    slot = view.update_bar(
        {"start": start, "open": 101.0, "high": 104.0, "low": 100.5, "close": 103.5, "volume": 2e3}
    )
    assert slot == HOLE_SLOT
    assert colour_at(render(view), view.price_point(HOLE_SLOT, 102.5)) == palette.UP


def test_clicking_the_gap_on_the_ribbon_selects_its_range(qtbot: QtBot, view: ChartView) -> None:
    point = view.ribbon_point(HOLE_SLOT)
    target = view.childAt(point)  # the plots' viewport takes the mouse
    assert target is not None
    with qtbot.waitSignal(view.rangeSelected, timeout=2000) as signal:
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(view, point))
    assert signal.args == [
        datetime(2024, 11, 27, 16, 0, tzinfo=UTC),
        datetime(2024, 11, 27, 17, 0, tzinfo=UTC),
    ]


def test_zoomed_out_bars_merge_into_pixel_columns(qtbot: QtBot, calendar: ExchangeCalendar) -> None:
    sessions = calendar.sessions(date(2024, 1, 2), date(2024, 3, 28), SessionKind.RTH)
    axis = SlotAxis(sessions, Timeframe.M1)
    slots = np.arange(len(axis))
    close = 100 + np.sin(slots / 500.0)
    spike = len(axis) // 2
    high = close + 0.01
    high[spike] = 150.0  # one minute's high must survive the merge
    chart = ChartView()
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.set_axis(axis)
    chart.set_bars(
        BarColumns.from_arrays(
            axis.start_of(slots), close, high, close - 0.01, close, np.ones(len(slots))
        )
    )
    chart.show_range(0, len(axis))
    chart.show()
    qtbot.waitExposed(chart)
    image = render(chart)
    top = chart.price_point(spike, 149.0)
    row = {colour_at(image, QPoint(x, top.y())) for x in range(top.x() - 2, top.x() + 3)}
    assert row & {palette.UP, palette.DOWN}
    assert QColor(palette.BACKGROUND).name() == palette.BACKGROUND


def test_keys_zoom_pan_and_jump_and_report_the_visible_slots(qtbot: QtBot, view: ChartView) -> None:
    seen: list[tuple[int, int]] = []
    view.visibleRangeChanged.connect(lambda first, last: seen.append((first, last)))
    view.show_range(2, 8)
    assert view.visible_slots() == (2, 7)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    first, last = view.visible_slots()
    assert first < 2 and last > 7
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.visible_slots() == (2, 7)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.visible_slots()[0] == 3
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.visible_slots()[0] == 0
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.visible_slots()[1] == 10
    assert seen and seen[-1] == view.visible_slots()


def test_the_y_range_follows_the_visible_bars(view: ChartView) -> None:
    view.show_range(3, 7)  # Wednesday's last four bars: 100.0 .. 104.0
    image = render(view)
    top, bottom = view.price_point(3, 104.0).y(), view.price_point(3, 100.0).y()
    assert bottom - top > image.height() / 2  # the four bars fill most of the plot
    view.show_range(7, 11)  # Friday's bars: 101.5 .. 106.0
    image = render(view)
    assert colour_at(image, view.price_point(FRIDAY_FIRST, 104.0)) == palette.UP


def test_older_sessions_keep_the_same_bars_in_view(
    view: ChartView, calendar: ExchangeCalendar
) -> None:
    view.show_range(7, 11)
    older = calendar.sessions(date(2024, 11, 25), date(2024, 11, 26), SessionKind.RTH)
    view.set_axis(view.axis.extended(older))
    assert len(view.axis) == 25
    assert view.visible_slots() == (7 + 14, 10 + 14)
    assert view.axis.label(view.visible_slots()[0]) == "2024-11-29 09:00"


def test_hovering_reports_the_slot(qtbot: QtBot, view: ChartView) -> None:
    point = view.price_point(DOWN_SLOT, 103.0)
    target = view.childAt(point)
    assert target is not None
    with qtbot.waitSignal(view.hovered, timeout=2000) as signal:
        qtbot.mouseMove(target, target.mapFrom(view, point))
    assert signal.args == [DOWN_SLOT]
    assert view.readout == (
        "2024-11-27 10:00 EST   O 105.00  H 106.00  L 100.00  C 101.00  V 10,000"
    )
    hole = view.price_point(HOLE_SLOT, 103.0)
    qtbot.wait(50)  # pyqtgraph drops moves that come faster than it repaints
    with qtbot.waitSignal(view.hovered, timeout=2000):
        qtbot.mouseMove(target, target.mapFrom(view, hole))
    assert view.readout == "2024-11-27 11:00 EST   no bar"


def test_the_view_follows_live_bars_past_its_edge(qtbot: QtBot, calendar: ExchangeCalendar) -> None:
    axis = SlotAxis(
        calendar.sessions(date(2024, 12, 2), date(2024, 12, 2), SessionKind.RTH), Timeframe.M1
    )
    slots = np.arange(101)
    close = np.full(len(slots), 100.0)
    chart = ChartView()
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.set_axis(axis)
    chart.set_bars(
        BarColumns.from_arrays(
            axis.start_of(slots), close, close + 1, close - 1, close, np.ones(len(slots))
        )
    )
    chart.show_range(51, 101)
    chart.show()
    qtbot.waitExposed(chart)
    inside = chart.upsert_bar(int(axis.start_of([100])[0]), 100, 101.5, 99, 101, 2.0, True)
    assert inside == 100 and chart.visible_slots() == (51, 100)  # in place: no move
    assert chart.upsert_bar(int(axis.start_of([101])[0]), 101, 102, 100, 101.5, 1.0) == 101
    first, last = chart.visible_slots()
    assert last - first == 49 and first <= 101 <= last - 4  # room left for the next bars
    outside = datetime(2024, 12, 2, 22, 0, tzinfo=UTC)  # 17:00 New York: after the close
    assert (
        chart.update_bar(
            {"start": outside, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1}
        )
        == -1
    )


def drag(qtbot: QtBot, view: ChartView, start: QPoint, end: QPoint, shift: bool) -> None:
    """A left-button drag from ``start`` to ``end`` (this widget's pixels)."""
    target = view.childAt(start)
    assert target is not None
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    button = Qt.MouseButton.LeftButton
    qtbot.mousePress(target, button, modifier, target.mapFrom(view, start))
    for x in range(start.x(), end.x() + 1, 40):
        # QTest's moves carry no pressed button; a drag needs one.
        here = QPointF(target.mapFrom(view, QPoint(x, start.y())))
        move = QMouseEvent(
            QEvent.Type.MouseMove,
            here,
            target.mapToGlobal(here),
            Qt.MouseButton.NoButton,
            button,
            modifier,
        )
        QApplication.sendEvent(target, move)
        qtbot.wait(20)  # pyqtgraph drops moves that come faster than it repaints
    qtbot.mouseRelease(target, button, modifier, target.mapFrom(view, end))


@pytest.mark.parametrize("on", ["ribbon", "chart with shift"])
def test_dragging_selects_a_range(qtbot: QtBot, view: ChartView, on: str) -> None:
    if on == "ribbon":
        start, end = view.ribbon_point(FRIDAY_FIRST), view.ribbon_point(9)
    else:
        start, end = view.price_point(FRIDAY_FIRST, 101.0), view.price_point(9, 101.0)
    with qtbot.waitSignal(view.rangeSelected, timeout=2000) as signal:
        drag(qtbot, view, start, end, shift=on != "ribbon")
    assert signal.args == [
        datetime(2024, 11, 29, 14, 0, tzinfo=UTC),  # Friday 09:00 New York
        datetime(2024, 11, 29, 17, 0, tzinfo=UTC),  # the end of the 11:00 slot
    ]


def test_dragging_the_chart_pans_it(qtbot: QtBot, view: ChartView) -> None:
    selected: list[object] = []
    view.rangeSelected.connect(lambda *args: selected.append(args))
    before = view.visible_slots()
    drag(qtbot, view, view.price_point(5, 101.0), view.price_point(8, 101.0), shift=False)
    assert view.visible_slots() != before and not selected


def test_panning_stops_near_the_axis_ends(qtbot: QtBot, view: ChartView) -> None:
    view.show_range(2, 8)
    for _ in range(100):
        qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.visible_slots() == (0, 0)  # slot 0 still in view, at the right edge
    for _ in range(100):
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.visible_slots() == (10, 10)  # and the last slot at the left edge
    view.show_range(5, 6)  # narrower than the closest zoom: widened to four slots
    first, last = view.visible_slots()
    assert last - first + 1 >= 4


def test_a_click_picks_the_segment_on_top(qtbot: QtBot, view: ChartView) -> None:
    view.set_coverage([(0, 11, "final"), (4, 5, "hole")])  # a hole drawn over final
    image = render(view)
    assert colour_at(image, view.ribbon_point(4)) == palette.RIBBON["hole"]
    assert colour_at(image, view.ribbon_point(6)) == palette.RIBBON["final"]
    for slot, expected in ((4, (4, 5)), (6, (0, 11))):
        point = view.ribbon_point(slot)
        target = view.childAt(point)
        assert target is not None
        with qtbot.waitSignal(view.rangeSelected, timeout=2000) as signal:
            qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(view, point))
        assert signal.args == list(view.axis.span(*expected))
