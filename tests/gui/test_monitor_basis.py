"""The monitor's price basis (issue 19, item 3): the chart presenter reads and titles its
bars on a basis, and the window's control switches the numbers drawn; against a real
API on SQLite holding AAPL as traded and its splits (tests/e2e/test_ws_adjust.py: the
vendor's 2005-01-03 and Yahoo's split-adjusted close of that day, a factor of 56)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidInput
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.controller import ChartChoice, MonitorController
from chronox_entrypoints.gui.presenters import ChartPresenter
from chronox_entrypoints.gui.presenters.bars import Block, epoch_ns
from chronox_entrypoints.gui.window import MonitorWindow
from tests.e2e.test_ws_adjust import DAY, LATER, LATER_RAW, RAW, YAHOO, aapl_store
from tests.integration.test_api_client import Served

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path: Path = tmp_path_factory.mktemp("monitor-basis") / "api.sqlite3"
    aapl_store(path)
    server = Served(path, api_token=None)
    yield server
    server.stop()


def close_of_day(held: Block, day_ns: int) -> float:
    (at,) = np.flatnonzero(held["start_ns"] == day_ns)
    return float(held["close"][at])


#: The stamp of the daily bar of 2005-01-03.
DAY_NS = epoch_ns(Timeframe.D1.daily_stamp(DAY))


def test_the_presenter_reads_and_titles_its_basis(served: Served) -> None:
    with ChronoxClient(ChronoxApiConfig(served.url)) as client:
        chart = ChartPresenter(client, "AAPL", "1d", "rth", DAY, LATER, chunk_sessions=20_000)
        chart.open()
        while chart.load_older() is not None:
            pass
        assert chart.adjust == "splits" and chart.title == "AAPL · 1d · rth · split-adjusted"
        assert round(close_of_day(chart.bars, DAY_NS), 6) == YAHOO[3]
        chart.switch_basis("none")
        while chart.load_older() is not None:
            pass
        assert chart.title.endswith("as traded")
        assert close_of_day(chart.bars, DAY_NS) == RAW[3]
        assert float(chart.bars["close"][-1]) == LATER_RAW[3]  # after every split: unchanged
        with pytest.raises(InvalidInput, match="price basis"):
            chart.switch_basis("raw")
        with pytest.raises(InvalidInput, match="price basis"):
            ChartPresenter(client, "AAPL", "1d", adjust="SPLITS")


def test_the_basis_control_switches_the_numbers_drawn(
    qtbot: QtBot, served: Served, qt_loop: asyncio.AbstractEventLoop
) -> None:
    window = MonitorWindow()
    qtbot.addWidget(window)
    choice = ChartChoice(("AAPL",), "1d", "rth", DAY, LATER)
    controller = MonitorController(ChronoxApiConfig(served.url), window, choice)
    buttons = {button.text(): button for button in window.basis_buttons.buttons()}
    assert list(buttons) == ["none", "splits", "all"]

    def drawn_close() -> float | None:
        held = window.chart.columns.block()
        return close_of_day(held, DAY_NS) if DAY_NS in held["start_ns"] else None

    async def drawn(value: float) -> None:
        """Until the chart draws ``value`` for 2005-01-03 (read newest first, then older)."""
        deadline = qt_loop.time() + 30
        while (found := drawn_close()) is None or round(found, 6) != value:
            assert qt_loop.time() < deadline, f"2005-01-03 drawn at {found}, not {value}"
            await controller.load_everything()
            await asyncio.sleep(0.05)

    async def scenario() -> None:
        await controller.start(background=False, live=False)
        await drawn(YAHOO[3])
        assert buttons["splits"].isChecked() and "split-adjusted" in window.title.text()
        buttons["none"].click()  # the control: the chart read again, as traded
        await drawn(RAW[3])
        assert buttons["none"].isChecked() and not buttons["splits"].isChecked()
        assert window.title.text() == "AAPL · 1d · rth · as traded"
        await controller.close()

    qt_loop.run_until_complete(scenario())
