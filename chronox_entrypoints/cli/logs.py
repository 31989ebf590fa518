"""The CLI's logging: one line per record on stderr, at the level the settings name.

The handler is installed by ``main`` before anything runs; the level is applied once the
command's settings are validated (:func:`use_log_level`), so ``CHRONOX_LOG_LEVEL`` comes
from the environment or the ``.env`` file like every other setting, and a typo in it is
refused like any other.
"""

from __future__ import annotations

import logging
import sys

#: The level until the command's settings are read (and of commands that read none).
DEFAULT_LEVEL = "WARNING"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is at each record, not as it was when the handler
    was made: a caller that redirected stderr meanwhile (a test's capture) still works."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging() -> None:
    """Install the one stderr handler, at the default level."""
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(DEFAULT_LEVEL)
    # The pool retries failed connections itself and says so at length; chronox reports
    # the outcome in one line instead.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)


def use_log_level(level: str) -> None:
    """The validated settings' level (``Settings.log_level``), from now on."""
    logging.getLogger().setLevel(level)
