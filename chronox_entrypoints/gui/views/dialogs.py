"""The monitor's dialogs: a token when the API refuses one, and a confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


def ask_token(parent: QWidget | None, reason: str) -> str | None:
    """The API's bearer token, typed by the user (hidden); None if they cancel."""
    token, given = QInputDialog.getText(
        parent,
        "chronox: token needed",
        f"{reason}\nThe API's token (CHRONOX_API_TOKEN of the server):",
        QLineEdit.EchoMode.Password,
    )
    token = token.strip()
    return token if given and token else None


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question)
    return answer == QMessageBox.StandardButton.Yes
