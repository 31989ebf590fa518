"""The monitor's views offscreen (pytest-qt) over presenters of a real API on SQLite:
the jobs panel shows a job and its Cancel cancels it; the demo banner; errors in one
line; the whole window drawn from the API, checked by its pixels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import SourceUnavailable
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.controller import ChartChoice, MonitorController
from chronox_entrypoints.gui.presenters import JobsPresenter, StatusPresenter
from chronox_entrypoints.gui.views.errors import one_line
from chronox_entrypoints.gui.views.jobs import JobsPanel
from chronox_entrypoints.gui.views.status import DemoBanner, MonitorStatusBar
from chronox_entrypoints.gui.window import MonitorWindow
from tests.gui.conftest import TOKEN, wait_for_job
from tests.integration.test_api_client import Served

pytestmark = pytest.mark.gui


def test_the_jobs_panel_shows_a_job_and_cancel_cancels_it(
    qtbot: QtBot, client: ChronoxClient
) -> None:
    client.add_symbol("EFA")
    (job,) = client.backfill(["EFA"], "2019-01-02", "2023-12-29")  # years: still running
    jobs = JobsPresenter(client)
    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.cancelRequested.connect(jobs.cancel)
    panel.show_rows(jobs.refresh())
    row = next(i for i, r in enumerate(panel.rows) if r.id == job.id)
    assert panel.table.item(row, 1).text() == "EFA"
    assert panel.table.item(row, 2).text() in ("queued", "running")
    assert not panel.cancel_button.isEnabled()  # nothing selected yet
    panel.select_job(job.id)
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert wait_for_job(client, job).state == "cancelled"
    panel.show_rows(jobs.refresh())
    assert panel.table.item(row, 2).text() == "cancelled" and not panel.cancel_button.isEnabled()


def test_the_banner_says_demo_data(qtbot: QtBot, client: ChronoxClient) -> None:
    banner, bar = DemoBanner(), MonitorStatusBar()
    for widget in (banner, bar):
        qtbot.addWidget(widget)
    report = StatusPresenter(client).refresh()
    banner.show_report(report)
    bar.show_report(report)
    assert not banner.isHidden() and banner.text().startswith("DEMO DATA")
    assert bar.health.text().startswith("API connected")


def test_errors_are_one_line(qtbot: QtBot) -> None:
    bar = MonitorStatusBar()
    qtbot.addWidget(bar)
    bar.error(one_line(SourceUnavailable("the API at http://x is gone\nTraceback (most recent")))
    assert bar.currentMessage() == "the API at http://x is gone"
    assert one_line(KeyError("slot")) == "internal error: KeyError: 'slot'"
    assert len(one_line(ValueError("x" * 1000))) <= 300


def colours(image: QImage, y: int) -> set[str]:
    return {QColor(image.pixel(x, y)).name() for x in range(image.width())}


def count(image: QImage, colour: str, step: int = 2) -> int:
    wanted = QColor(colour).rgb()
    return sum(
        image.pixel(x, y) == wanted
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def ribbon_row(image: QImage) -> tuple[int, int, list[int]]:
    """In the image row richest in ribbon colours: where the ribbon starts and ends, and
    the x of each pixel of the gap colour."""
    ribbon = {QColor(colour).rgb() for colour in palette.RIBBON.values()}
    gap = QColor(palette.RIBBON["gap"]).rgb()
    best: list[int] = []
    for y in range(image.height()):
        xs = [x for x in range(0, image.width()) if image.pixel(x, y) in ribbon]
        if len(xs) > len(best):
            best, row = xs, y
    red = [x for x in best if image.pixel(x, row) == gap]
    return best[0], best[-1] + 1, red


@pytest.fixture
def window(
    qtbot: QtBot, api: Served, qt_loop: asyncio.AbstractEventLoop
) -> Iterator[tuple[MonitorWindow, MonitorController]]:
    loop = qt_loop
    shown = MonitorWindow()
    qtbot.addWidget(shown)
    shown.resize(1400, 900)
    choice = ChartChoice(("SPY",), "1m", "rth", date(2024, 11, 25), date(2024, 11, 29))
    controller = MonitorController(ChronoxApiConfig(api.url), shown, choice)
    shown.show()
    loop.run_until_complete(controller.start(background=False, live=False))
    loop.run_until_complete(controller.load_everything())
    controller.show_whole_range()
    yield shown, controller
    loop.run_until_complete(controller.close())


def test_the_window_draws_candles_the_ribbon_and_its_gap(
    qtbot: QtBot, window: tuple[MonitorWindow, MonitorController]
) -> None:
    shown, controller = window
    qtbot.wait(50)
    image = shown.chart.grab().toImage()
    assert count(image, palette.RIBBON["final"]) > 100
    assert count(image, palette.RIBBON["gap"]) > 100  # Wednesday, never fetched
    assert count(image, palette.UP) > 20 and count(image, palette.DOWN) > 20
    # Wednesday, the gap, is slots 780..1170 of the week's 1,380 (three full sessions and
    # Friday's early close): the ribbon's red must start and end there.
    segments = controller.coverage.segments if controller.coverage else []
    assert [s.kind for s in segments if s.kind == "gap"] == ["gap"]
    left, right, red = ribbon_row(image)
    width = right - left
    assert abs(red[0] - (left + width * 780 / 1380)) <= 0.01 * width
    assert abs(red[-1] + 1 - (left + width * 1170 / 1380)) <= 0.01 * width
    assert shown.title.text() == "SPY · 1m · rth · split-adjusted"
    assert not shown.banner.isHidden()


async def until(done: Callable[[], bool], seconds: float = 20) -> None:
    """Run the loop (the controller's tasks) until ``done()``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "not done in time"
        await asyncio.sleep(0.02)


def test_the_3_key_switches_to_the_15m_roll_up(
    qtbot: QtBot, window: tuple[MonitorWindow, MonitorController]
) -> None:
    shown, controller = window
    shown.activateWindow()
    qtbot.keyClick(shown, Qt.Key.Key_3)
    loop = asyncio.get_event_loop()
    loop.run_until_complete(until(lambda: shown.title.text() == "SPY · 15m · rth · split-adjusted"))
    loop.run_until_complete(
        until(lambda: controller.chart is not None and controller.chart.derived)
    )
    chart = controller.chart
    assert chart is not None and chart.timeframe == "15m"
    loop.run_until_complete(
        until(
            lambda: chart.fully_loaded and len(chart.bars["start_ns"]) == len(shown.chart.columns)
        )
    )
    assert chart.derived and 0 < len(shown.chart.columns) < 100
    assert len(shown.chart.axis) == 3 * 26 + 14  # three full sessions and an early close


def test_a_401_asks_for_the_token_and_the_action_goes_through(
    qtbot: QtBot, guarded: Served, qt_loop: asyncio.AbstractEventLoop
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    shown = MonitorWindow()
    qtbot.addWidget(shown)
    controller = MonitorController(ChronoxApiConfig(guarded.url), shown, ChartChoice())
    asked: list[str] = []

    def type_the_token() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(20, type_the_token)  # not open yet
            return
        asked.append(dialog.labelText())
        dialog.setTextValue(TOKEN)
        dialog.accept()

    QTimer.singleShot(20, type_the_token)
    qt_loop.run_until_complete(controller.add_symbol("XLF"))
    try:
        assert asked and "Bearer" in asked[0] and "token" in asked[0]
        assert controller.config.token == TOKEN and "token=set" in repr(controller.config)
        with ChronoxClient(ChronoxApiConfig(guarded.url, token=TOKEN)) as reader:
            assert reader.symbol("XLF").symbol == "XLF"  # added on the second try
    finally:
        qt_loop.run_until_complete(controller.close())


def test_a_cancelled_token_dialog_is_not_opened_again_until_ctrl_t(
    qtbot: QtBot, guarded: Served, qt_loop: asyncio.AbstractEventLoop
) -> None:
    # Otherwise the status polling, refused every 2 s, would open it every 2 s.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    shown = MonitorWindow()
    qtbot.addWidget(shown)
    controller = MonitorController(ChronoxApiConfig(guarded.url), shown, ChartChoice())
    opened: list[str] = []

    def cancel_any_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog):
            opened.append(dialog.labelText())
            dialog.reject()

    watcher = QTimer()
    watcher.timeout.connect(cancel_any_dialog)
    watcher.start(20)
    try:
        qt_loop.run_until_complete(controller.add_symbol("XLB"))
        assert len(opened) == 1
        qt_loop.run_until_complete(controller.add_symbol("XLB"))  # refused again
        assert len(opened) == 1 and "Ctrl+T" in shown.status.currentMessage()
        shown.tokenAsked.emit()  # Ctrl+T
        qt_loop.run_until_complete(until(lambda: len(opened) == 2))
    finally:
        watcher.stop()
        qt_loop.run_until_complete(controller.close())


def test_remove_asks_first_and_no_keeps_the_symbol(
    qtbot: QtBot, api: Served, client: ChronoxClient, qt_loop: asyncio.AbstractEventLoop
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    shown = MonitorWindow()
    qtbot.addWidget(shown)
    controller = MonitorController(ChronoxApiConfig(api.url), shown, ChartChoice())
    answers: list[QMessageBox.StandardButton] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and answers:
            box.button(answers.pop(0)).click()

    watcher = QTimer()
    watcher.timeout.connect(answer)
    watcher.start(20)
    client.add_symbol("XLE")
    try:
        answers.append(QMessageBox.StandardButton.No)
        qt_loop.run_until_complete(controller.remove_symbol("XLE"))
        assert "XLE" in {entry.symbol for entry in client.all_symbols()}
        answers.append(QMessageBox.StandardButton.Yes)
        qt_loop.run_until_complete(controller.remove_symbol("XLE"))
        assert "XLE" not in {entry.symbol for entry in client.all_symbols()}
    finally:
        watcher.stop()
        qt_loop.run_until_complete(controller.close())


def test_scrolling_back_to_the_oldest_bars_loads_the_older_chunks(
    qtbot: QtBot, api: Served, qt_loop: asyncio.AbstractEventLoop
) -> None:
    shown = MonitorWindow()
    qtbot.addWidget(shown)
    shown.resize(1200, 800)
    choice = ChartChoice(("SPY",), "1m", "rth", date(2024, 11, 18), date(2024, 11, 29))
    controller = MonitorController(ChronoxApiConfig(api.url), shown, choice)
    shown.show()
    try:
        qt_loop.run_until_complete(controller.start(background=False, live=False))
        chart = controller.chart
        assert chart is not None and not chart.fully_loaded  # the newest sessions only
        held = len(shown.chart.columns)
        shown.chart.show_range(len(shown.chart.axis) - 300, len(shown.chart.axis))  # not yet
        qt_loop.run_until_complete(asyncio.sleep(0.3))
        assert not chart.fully_loaded and len(shown.chart.columns) == held
        shown.chart.show_range(0, 400)  # the user goes back to the first session
        qt_loop.run_until_complete(until(lambda: chart.fully_loaded))
        qt_loop.run_until_complete(until(lambda: len(shown.chart.columns) > held))
        assert len(shown.chart.columns) == len(chart.bars["start_ns"])
    finally:
        qt_loop.run_until_complete(controller.close())
