"""The guard against PySide6 6.12.0's ``none_dealloc`` abort.

On that release (Python 3.11) every call of a Qt method that returns nothing leaks a
reference to ``None``; after a few hundred paints the count reaches zero and the
interpreter aborts (``Fatal Python error: none_dealloc``). pyproject pins PySide6 below
6.12; this test paints the chart a few thousand times and fails, rather than crashing
CI later, if ``None``'s reference count falls. (On Python 3.12+ ``None`` is immortal and
its count constant; the test then passes trivially.)
"""

from __future__ import annotations

import gc
import sys
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_entrypoints.gui.chart.view import ChartView
from chronox_presentation.calendar import SessionOut

pytestmark = pytest.mark.gui

PAINTS = 3000


def week_of_sessions() -> list[SessionOut]:
    days = [date(2024, 12, 2) + timedelta(days=i) for i in range(5)]
    return [
        SessionOut(
            date=d,
            open=datetime(d.year, d.month, d.day, 14, 30, tzinfo=UTC),
            close=datetime(d.year, d.month, d.day, 21, 0, tzinfo=UTC),
            early_close=False,
        )
        for d in days
    ]


def test_painting_does_not_leak_references_to_none(qtbot: QtBot) -> None:
    axis = SlotAxis(week_of_sessions(), Timeframe.M1)
    slots = np.arange(0, len(axis), 2)  # every other slot a hole
    close = 100 + np.sin(slots / 50.0)
    chart = ChartView()
    qtbot.addWidget(chart)
    chart.resize(320, 240)
    chart.set_axis(axis)
    chart.set_bars(
        BarColumns.from_arrays(
            axis.start_of(slots),
            close,
            close + 0.2,
            close - 0.2,
            close + 0.1,
            np.ones(len(slots)),
            provisional=slots > len(axis) - 100,
        )
    )
    chart.set_coverage([(0, len(axis) // 2, "final"), (len(axis) // 2, len(axis), "gap")])
    chart.show_range(len(axis) - 300, len(axis))
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    chart.render(image)  # the first paint builds caches; count from after it
    # Earlier tests' garbage, collected mid-loop, would drop references to None too.
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for _ in range(PAINTS):
            chart.render(image)
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    bits = image.constBits()
    pixels = np.frombuffer(bits, np.uint32)
    candles = {QColor(palette.UP).rgba(), QColor(palette.DOWN).rgba()}
    assert candles & set(np.unique(pixels).tolist())  # the loop did paint candles
    # A leak loses one reference per void call, thousands per paint loop; allow noise.
    assert after >= before - 100
