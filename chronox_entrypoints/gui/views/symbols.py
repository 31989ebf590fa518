"""The symbols panel: the registry with each symbol's coverage of the range shown; add,
remove, and a double click opens a symbol's chart."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chronox_entrypoints.gui.presenters.symbols import SymbolRow
from chronox_entrypoints.gui.views.tables import row_table

COLUMNS = ("Symbol", "Session", "Coverage", "State")


class SymbolsPanel(QWidget):
    addRequested = Signal(str)
    removeRequested = Signal(str)
    symbolChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SymbolRow] = []
        self.table = row_table(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(self._chosen)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("add a symbol, e.g. QQQ")
        self.entry.returnPressed.connect(self._add)
        add = QPushButton("Add")
        add.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(add)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def show_rows(self, rows: Sequence[SymbolRow], current: str | None = None) -> None:
        self.rows = list(rows)
        self.table.setRowCount(len(rows))
        for i, entry in enumerate(rows):
            marker = "▶ " if entry.symbol == current else ""
            cells = (
                marker + entry.symbol,
                entry.session,
                entry.coverage,
                entry.state,
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry.symbol)
                if j == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)

    def selected_symbol(self) -> str | None:
        chosen = self.table.selectedItems()
        return str(chosen[0].data(Qt.ItemDataRole.UserRole)) if chosen else None

    def _add(self) -> None:
        text = self.entry.text().strip()
        if text:
            self.addRequested.emit(text)
            self.entry.clear()

    def _remove(self) -> None:
        symbol = self.selected_symbol()
        if symbol is not None:
            self.removeRequested.emit(symbol)

    def _chosen(self, row: int, column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.symbolChosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))
