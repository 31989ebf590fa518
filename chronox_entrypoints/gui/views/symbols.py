"""The symbols panel: the registry with each symbol's coverage of the range shown; add,
remove, and a double click opens a symbol's chart. A table view over
:class:`SymbolsModel` (no widget item per cell: 10,000 symbols are a normal registry),
sorted by a click on a column's header; the selected symbol stays selected across
refreshes and sorts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chronox_entrypoints.gui.presenters.symbols import SymbolRow
from chronox_entrypoints.gui.views.symbols_model import COLUMNS, SymbolsModel
from chronox_entrypoints.gui.views.tables import row_view

__all__ = ["COLUMNS", "SymbolsPanel"]


class SymbolsPanel(QWidget):
    addRequested = Signal(str)
    removeRequested = Signal(str)
    symbolChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SymbolsModel()
        self.table = row_view(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # By symbol until a header is clicked (enabling sorting sorts at once).
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(self._chosen)
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

    @property
    def rows(self) -> list[SymbolRow]:
        """The rows as shown, in the table's order."""
        return self.model.rows

    def show_rows(self, rows: Sequence[SymbolRow], current: str | None = None) -> None:
        selected = self.selected_symbol()
        self.model.set_rows(rows, current)
        if selected is not None and self.selected_symbol() != selected:
            self.select_symbol(selected)  # the rows changed: find it again

    def selected_symbol(self) -> str | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.symbol_at(chosen[0].row()) if chosen else None

    def select_symbol(self, symbol: str) -> bool:
        """Select ``symbol``'s row and scroll to it; False when it is not listed."""
        row = self.model.row_of(symbol)
        if row is None:
            return False
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def _add(self) -> None:
        text = self.entry.text().strip()
        if text:
            self.addRequested.emit(text)
            self.entry.clear()

    def _remove(self) -> None:
        symbol = self.selected_symbol()
        if symbol is not None:
            self.removeRequested.emit(symbol)

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.symbolChosen.emit(self.model.symbol_at(index.row()))
