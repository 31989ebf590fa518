"""Errors as the monitor shows them: one line, never a traceback."""

from __future__ import annotations

from chronox_domain.errors import ChronoxError

MAX_CHARS = 300


def one_line(error: BaseException) -> str:
    """The error's first line (a ``ChronoxError`` says what happened; anything else is
    a bug, named as such), shortened to fit a status bar."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if not isinstance(error, ChronoxError):
        text = f"internal error: {type(error).__name__}" + (f": {text}" if text else "")
    elif not text:
        text = type(error).__name__
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
