"""The main window: the chart (candles, volume, coverage ribbon) with the demo banner
over it, the symbols panel beside it, the jobs panel below, the status bar; and the
keys. It lays widgets out and forwards what the user asks to its controller."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.view import ChartView
from chronox_entrypoints.gui.presenters.chart import BASES
from chronox_entrypoints.gui.views.jobs import JobsPanel
from chronox_entrypoints.gui.views.status import DemoBanner, MonitorStatusBar
from chronox_entrypoints.gui.views.symbols import SymbolsPanel

TIMEFRAMES = ("1m", "5m", "15m", "1h", "1d")
#: Keys the window takes; the chart takes its own (+/- zoom, arrows pan, Home/End).
KEYS = {
    "1 … 5": "timeframe 1m, 5m, 15m, 1h, 1d",
    "[ / ]": "previous / next symbol of the registry",
    "B": "backfill the range selected on the ribbon (click a segment, or drag)",
    "R or F5": "reload the chart, the ribbon and the panels",
    "Ctrl+T": "enter the API's token",
    "Ctrl+Q": "quit",
}


class MonitorWindow(QMainWindow):
    """``timeframeChosen(str)``, ``basisChosen(str)``, ``symbolStep(int)``,
    ``backfillAsked()``, ``reloadAsked()``, ``tokenAsked()``; ``closed()`` once the window
    closes."""

    timeframeChosen = Signal(str)
    basisChosen = Signal(str)
    symbolStep = Signal(int)
    backfillAsked = Signal()
    reloadAsked = Signal()
    tokenAsked = Signal()
    closed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("chronox monitor")
        self.chart = ChartView()
        self.banner = DemoBanner()
        self.title = QLabel("")
        self.title.setStyleSheet(f"color: {palette.FOREGROUND}; font-size: 15px; padding: 2px;")
        self.selection = QLabel("")
        self.selection.setStyleSheet(f"color: {palette.FOREGROUND};")
        self.backfill_button = QPushButton("Backfill selection (B)")
        self.backfill_button.setEnabled(False)
        self.backfill_button.clicked.connect(self.backfillAsked)
        self.timeframe_buttons = QButtonGroup(self)
        self.timeframe_buttons.setExclusive(True)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.addWidget(self.title)
        bar.addStretch(1)
        for number, name in enumerate(TIMEFRAMES, start=1):
            button = QPushButton(name)
            button.setCheckable(True)
            button.setToolTip(f"key {number}")
            button.clicked.connect(lambda _=False, tf=name: self.timeframeChosen.emit(tf))
            self.timeframe_buttons.addButton(button)
            bar.addWidget(button)
        bar.addSpacing(12)
        # The price basis, beside the timeframe: each button a basis, its legend a tip.
        self.basis_buttons = QButtonGroup(self)
        self.basis_buttons.setExclusive(True)
        for name, legend in BASES.items():
            button = QPushButton(name)
            button.setCheckable(True)
            button.setToolTip(f"prices {legend}")
            button.clicked.connect(lambda _=False, basis=name: self.basisChosen.emit(basis))
            self.basis_buttons.addButton(button)
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.selection)
        bar.addWidget(self.backfill_button)

        centre = QWidget()
        centre.setObjectName("centre")
        centre.setStyleSheet(
            f"QWidget#centre {{ background: {palette.BACKGROUND}; }}"
            f"QLabel {{ color: {palette.FOREGROUND}; }}"
            f"QPushButton {{ color: {palette.FOREGROUND}; background: {palette.BACKGROUND};"
            f" border: 1px solid {palette.SESSION_SEPARATOR}; padding: 3px 10px; }}"
            f"QPushButton:checked {{ background: {palette.BUTTON_CHECKED}; font-weight: bold; }}"
            f"QPushButton:disabled {{ color: {palette.BUTTON_DISABLED}; }}"
        )
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.chart, 1)
        self.setCentralWidget(centre)

        self.symbols = SymbolsPanel()
        self.jobs = JobsPanel()
        self.symbols_dock = self._dock(
            self.symbols,
            "Symbols: coverage of the range shown",
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.jobs_dock = self._dock(
            self.jobs, "Backfill jobs", Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.status = MonitorStatusBar()
        self.setStatusBar(self.status)
        self._keys()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The chart gets the room: the jobs panel a fifth of the height, symbols a sixth
        # of the width.
        height, width = self.height(), self.width()
        self.resizeDocks([self.jobs_dock], [max(160, height // 5)], Qt.Orientation.Vertical)
        self.resizeDocks([self.symbols_dock], [max(260, width // 6)], Qt.Orientation.Horizontal)

    def show_timeframe(self, timeframe: str) -> None:
        for button in self.timeframe_buttons.buttons():
            button.setChecked(button.text() == timeframe)

    def show_basis(self, adjust: str) -> None:
        for button in self.basis_buttons.buttons():
            button.setChecked(button.text() == adjust)

    def show_selection(self, text: str) -> None:
        self.selection.setText(text)
        self.backfill_button.setEnabled(bool(text))

    def _dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea) -> QDockWidget:
        """The panel in a dock whose title is its only heading."""
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(area, dock)
        return dock

    def _keys(self) -> None:
        def key(sequence: str | QKeySequence, action: Callable[[], object]) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(action)

        for number, name in enumerate(TIMEFRAMES, start=1):
            key(str(number), partial(self.timeframeChosen.emit, name))
        key("[", lambda: self.symbolStep.emit(-1))
        key("]", lambda: self.symbolStep.emit(1))
        key("B", self.backfillAsked.emit)
        key("R", self.reloadAsked.emit)
        key("F5", self.reloadAsked.emit)
        key("Ctrl+T", self.tokenAsked.emit)
        key(QKeySequence(QKeySequence.StandardKey.Quit), self.close)
        key("Ctrl+Q", self.close)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
