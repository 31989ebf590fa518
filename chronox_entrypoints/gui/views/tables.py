"""The panels' tables: read-only, one whole row selected at a time, no row numbers; a
table of items (a few rows: the jobs) or a view over a model (thousands: the symbols)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTableWidget


def row_table(columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    _rows_only(table)
    return table


def row_view(model: QAbstractItemModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    _rows_only(view)
    return view


def _rows_only(table: QTableView) -> None:
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
