"""The symbols panel offscreen (pytest-qt): a table view over its model, drawn from the
presenter over a real API; the current symbol's mark, a double click, add and remove,
sorting by a header's click, the selection kept across refreshes and sorts; and 10,000
rows held by the model alone."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from chronox_adapters.chronox_api import ChronoxClient
from chronox_entrypoints.gui.presenters import SymbolRow, SymbolsPresenter
from chronox_entrypoints.gui.views.symbols import SymbolsPanel

pytestmark = pytest.mark.gui

WEEK = (date(2024, 11, 25), date(2024, 11, 29))


def row(symbol: str, percent: float | None, session: str = "rth") -> SymbolRow:
    return SymbolRow(symbol, session, "1m", True, True, percent)


ROWS = [row("AAA", 50.0), row("BBB", None, "eth"), row("CCC", 12.5), row("DDD", 100.0)]


@pytest.fixture
def panel(qtbot: QtBot) -> SymbolsPanel:
    shown = SymbolsPanel()
    qtbot.addWidget(shown)
    shown.resize(420, 300)
    shown.show()
    return shown


def cells(panel: SymbolsPanel) -> list[list[str]]:
    model = panel.table.model()
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def double_click(qtbot: QtBot, table: QTableView, row: int) -> None:
    # As a hand does it: the view takes a double click on the index a press went to.
    at = table.visualRect(table.model().index(row, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)


def test_the_registry_with_its_coverage_from_the_api(
    panel: SymbolsPanel, client: ChronoxClient
) -> None:
    panel.show_rows(SymbolsPresenter(client).refresh("1m", *WEEK), current="SPY")
    shown = {line[0].removeprefix("▶ "): line for line in cells(panel)}
    assert shown["SPY"] == ["▶ SPY", "rth", "71.7 %", "active"]
    assert shown["AAPL"] == ["AAPL", "rth", "0.0 %", "active"]
    model = panel.table.model()
    coverage = model.index(0, 2)
    assert coverage.data(Qt.ItemDataRole.TextAlignmentRole) == (
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Symbol",
        "Session",
        "Coverage",
        "State",
    ]


def test_marks_no_coverage_and_a_watched_symbol(panel: SymbolsPanel) -> None:
    watched = SymbolRow("XLK", "rth", "", False, False, 0.0)
    panel.show_rows([*ROWS, watched], current="CCC")
    assert cells(panel) == [
        ["AAA", "rth", "50.0 %", "active"],
        ["BBB", "eth", "-", "active"],
        ["▶ CCC", "rth", "12.5 %", "active"],
        ["DDD", "rth", "100.0 %", "active"],
        ["XLK", "rth", "0.0 %", "not in registry"],
    ]
    panel.show_rows(ROWS, current="AAA")  # the mark moves with the chart
    assert [line[0] for line in cells(panel)] == ["▶ AAA", "BBB", "CCC", "DDD"]


def test_a_double_click_opens_the_symbol(qtbot: QtBot, panel: SymbolsPanel) -> None:
    panel.show_rows(ROWS, current="AAA")
    with qtbot.waitSignal(panel.symbolChosen) as chosen:
        double_click(qtbot, panel.table, 2)
    assert chosen.args == ["CCC"]


def test_add_and_remove_the_selected_symbol(qtbot: QtBot, panel: SymbolsPanel) -> None:
    panel.show_rows(ROWS)
    removed: list[str] = []
    panel.removeRequested.connect(removed.append)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert removed == []  # nothing selected: nothing asked
    qtbot.mouseClick(
        panel.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.table.visualRect(panel.table.model().index(1, 0)).center(),
    )
    assert panel.selected_symbol() == "BBB"
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert removed == ["BBB"]
    with qtbot.waitSignal(panel.addRequested) as added:
        qtbot.keyClicks(panel.entry, " qqq ")
        qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert added.args == ["qqq"] and panel.entry.text() == ""


def test_a_header_click_sorts_and_the_selection_follows(qtbot: QtBot, panel: SymbolsPanel) -> None:
    panel.show_rows(ROWS)
    assert panel.select_symbol("CCC")
    header = panel.table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(2) + 5, 5),  # on "Coverage"
    )
    # Ascending by coverage: no coverage first.
    assert [r.symbol for r in panel.rows] == ["BBB", "CCC", "AAA", "DDD"]
    assert panel.selected_symbol() == "CCC"
    panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [r.symbol for r in panel.rows] == ["DDD", "AAA", "CCC", "BBB"]
    # A refresh keeps the order chosen, and the selection.
    panel.show_rows([row("AAA", 0.0), *ROWS[1:], row("EEE", 99.0)])
    assert [r.symbol for r in panel.rows] == ["DDD", "EEE", "CCC", "AAA", "BBB"]
    assert panel.selected_symbol() == "CCC"
    panel.show_rows([r for r in ROWS if r.symbol != "CCC"])  # removed elsewhere
    assert panel.selected_symbol() is None


def test_a_refresh_of_the_same_rows_keeps_the_selection(panel: SymbolsPanel) -> None:
    panel.show_rows(ROWS)
    panel.select_symbol("DDD")
    panel.show_rows([row("AAA", 51.0), *ROWS[1:]])
    assert panel.selected_symbol() == "DDD" and cells(panel)[0][2] == "51.0 %"


def test_ten_thousand_rows_are_the_models_alone(qtbot: QtBot, panel: SymbolsPanel) -> None:
    many = [row(f"S{i:05d}", i % 101 or None) for i in range(10_000)]
    panel.show_rows(many, current="S09999")
    model = panel.table.model()
    assert model.rowCount() == 10_000 and model.index(9_999, 0).data() == "▶ S09999"
    assert panel.select_symbol("S09999")  # scrolled to the last row
    assert panel.table.rowAt(panel.table.viewport().height() - 2) > 9_000
    with qtbot.waitSignal(panel.symbolChosen) as chosen:
        double_click(qtbot, panel.table, panel.table.rowAt(5))
    assert str(chosen.args[0]).startswith("S09")
