"""The monitor's dialogs: a token when the API refuses one, and a confirmation.

Both are awaited, not run with ``exec()``: a modal ``exec()`` inside a coroutine spins
a nested Qt event loop that steps the other asyncio tasks (the polling, the live feed)
while this one is still executing, which asyncio refuses ("Cannot enter into task"),
so they would stop for good. ``open()`` shows the dialog window-modal and returns; the
coroutine waits for its ``finished`` signal."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


async def ask_token(parent: QWidget | None, reason: str) -> str | None:
    """The API's bearer token, typed by the user (hidden); None if they cancel."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("chronox: token needed")
    dialog.setLabelText(f"{reason}\nThe API's token (CHRONOX_API_TOKEN of the server):")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    accepted = await _answered(dialog)
    token = dialog.textValue().strip()
    return token if accepted and token else None


async def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    box = QMessageBox(QMessageBox.Icon.Question, title, question, yes | no, parent)
    await _answered(box)
    return box.standardButton(box.clickedButton()) == yes


async def _answered(dialog: QDialog) -> bool:
    """Show ``dialog`` window-modal until the user closes it; whether they accepted."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(int(code))

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done == QDialog.DialogCode.Accepted.value
    finally:
        dialog.close()
        dialog.deleteLater()
