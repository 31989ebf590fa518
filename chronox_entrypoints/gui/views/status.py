"""The status bar (API, store, events, feed, vendor trouble; errors in one line) and the
banner over the chart whenever the bars are synthetic demo data."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.presenters.status import StatusReport

BANNER_STYLE = (
    f"background: {palette.DEMO_BANNER}; color: {palette.DEMO_BANNER_TEXT};"
    f" font-weight: bold; padding: 4px 8px; border-bottom: 1px solid {palette.DEMO_BANNER_EDGE};"
)
#: How long an error line stays in the status bar (ms).
MESSAGE_MS = 15_000


class DemoBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(BANNER_STYLE)
        self.setVisible(False)

    def show_report(self, report: StatusReport) -> None:
        if report.api != "connected":  # unknown: keep what was last known
            return
        self.setText(report.banner)
        self.setVisible(bool(report.banner))


class MonitorStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health = QLabel("API connecting…")
        self.addPermanentWidget(self.health)

    def show_report(self, report: StatusReport) -> None:
        self.health.setText(report.line)
        colour = {"connected": palette.HEALTHY, "disconnected": palette.DISCONNECTED}.get(
            report.api, palette.DEGRADED
        )
        if report.api == "connected" and not report.healthy:
            colour = palette.DEGRADED
        self.health.setStyleSheet(f"color: {colour};")
        if report.problem:
            self.error(report.problem)

    def error(self, line: str) -> None:
        """One line; a second one replaces it."""
        self.showMessage(line.splitlines()[0] if line else "", MESSAGE_MS)

    def note(self, line: str) -> None:
        self.showMessage(line, MESSAGE_MS // 3)
