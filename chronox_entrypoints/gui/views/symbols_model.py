"""The symbols panel's rows as a Qt table model: virtual, so 10,000 registry symbols cost
a list of rows and the cells in view, not a widget item per cell. Sortable by any
column; a refresh that keeps the same symbols in the same order only repaints."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from chronox_entrypoints.gui.presenters.symbols import SymbolRow

COLUMNS = ("Symbol", "Session", "Coverage", "State")
#: The current symbol's mark, before its name.
CURRENT = "▶ "
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex
#: The root: what a table's rows and columns are counted under.
ROOT = QModelIndex()

#: Each column's sort key; ties go by symbol. No coverage sorts below 0 %.
SORT_KEYS: tuple[Callable[[SymbolRow], tuple[object, ...]], ...] = (
    lambda row: (row.symbol,),
    lambda row: (row.session, row.symbol),
    lambda row: (-1.0 if row.percent is None else row.percent, row.symbol),
    lambda row: (row.state, row.symbol),
)


class SymbolsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SymbolRow] = []
        self.current: str | None = None
        self._order: tuple[int, Qt.SortOrder] | None = None

    # -- what the view reads

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.symbol
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return RIGHT
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def text(self, row: SymbolRow, column: int) -> str:
        if column == 0:
            return (CURRENT if row.symbol == self.current else "") + row.symbol
        return (row.session, row.coverage, row.state)[column - 1]

    # -- what the panel asks

    def symbol_at(self, row: int) -> str:
        return self.rows[row].symbol

    def row_of(self, symbol: str) -> int | None:
        return next((i for i, row in enumerate(self.rows) if row.symbol == symbol), None)

    def set_rows(self, rows: Sequence[SymbolRow], current: str | None) -> None:
        """Show ``rows`` (in the order chosen by the last sort) with ``current`` marked."""
        shown = self._sorted(rows)
        same = [row.symbol for row in shown] == [row.symbol for row in self.rows]
        if same and shown:
            # The same symbols in the same places: repaint, keep selection and scroll.
            self.rows, self.current = shown, current
            last = self.index(len(shown) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.rows, self.current = shown, current
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._order = (column, order)
        self.layoutAboutToBeChanged.emit()
        # Selection and the current index follow their symbols to their new rows.
        kept = self.persistentIndexList()
        symbols = [self.rows[index.row()].symbol for index in kept]
        self.rows = self._sorted(self.rows)
        now = {row.symbol: i for i, row in enumerate(self.rows)}
        moved = [
            self.index(now[symbol], index.column())
            for symbol, index in zip(symbols, kept, strict=True)
        ]
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    def _sorted(self, rows: Sequence[SymbolRow]) -> list[SymbolRow]:
        if self._order is None:
            return list(rows)
        column, order = self._order
        descending = order == Qt.SortOrder.DescendingOrder
        return sorted(rows, key=SORT_KEYS[column], reverse=descending)
