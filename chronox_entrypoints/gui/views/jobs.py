"""The jobs panel: one row per backfill job, with its progress, and a Cancel button."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.presenters.jobs import JobRow
from chronox_entrypoints.gui.views.tables import row_table

COLUMNS = ("Job", "Symbols", "State", "Progress", "ETA", "Counts", "Error")


class JobsPanel(QWidget):
    """``cancelRequested(job_id)`` when the user cancels the selected job."""

    cancelRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[JobRow] = []
        self.table = row_table(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.summary = QLabel("no jobs")
        top = QHBoxLayout()  # the heading is the dock's title
        top.addWidget(self.summary, 1)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)

    def show_rows(self, rows: Sequence[JobRow]) -> None:
        selected = self.selected_job()
        self.rows = list(rows)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = (row.id[:8], row.symbols, row.state, "", row.eta, row.counts, row.error)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if j == 2:
                    colour = palette.JOB_STATES.get(row.state, palette.FOREGROUND)
                    item.setForeground(QColor(colour))
                if j == 6 and row.error:
                    item.setToolTip(row.error)
                self.table.setItem(i, j, item)
            self.table.setCellWidget(i, 3, _progress(row))
            if row.id == selected:
                self.table.selectRow(i)
        active = sum(row.cancellable for row in rows)
        self.summary.setText(f"{len(rows)} shown, {active} active" if rows else "no jobs")
        self._selection_changed()

    def selected_job(self) -> str | None:
        chosen = self.table.selectedItems()
        return str(chosen[0].data(Qt.ItemDataRole.UserRole)) if chosen else None

    def select_job(self, job_id: str) -> None:
        for i, row in enumerate(self.rows):
            if row.id == job_id:
                self.table.selectRow(i)

    def _selection_changed(self) -> None:
        job = self.selected_job()
        row = next((r for r in self.rows if r.id == job), None)
        self.cancel_button.setEnabled(row is not None and row.cancellable)

    def _cancel_selected(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.cancelRequested.emit(job)


def _progress(row: JobRow) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, max(row.total, 1))
    bar.setValue(row.done if row.total else 0)
    bar.setFormat(row.progress)
    bar.setTextVisible(True)
    return bar
