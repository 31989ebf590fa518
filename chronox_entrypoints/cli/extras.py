"""What a command needs beyond the core install (an extra of the package), and what the
desk's monitor needs of the machine (a display), each said in one line before it starts.

A missing extra would otherwise surface as ``internal error: ModuleNotFoundError`` and a
missing display as Qt's multi-line plugin abort (exit 134); both are the user's setup,
so both are input errors (exit 2) naming what to install or set.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping

from chronox_domain.errors import InvalidInput


def require_extra(what: str, extra: str, *modules: str) -> None:
    """Import each of ``modules`` (an extra's libraries); the first that cannot be
    imported is refused as ``what needs the 'extra' extra``. Imported, not only looked
    up: a library that is there but broken fails the same way at the first call."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise InvalidInput(
                f"{what} needs the {extra!r} extra ({name} cannot be imported): "
                f"pip install 'chronox[{extra}]'"
            ) from None


def require_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> None:
    """On Linux, Qt needs an X or Wayland display, or a platform plugin named (such as
    ``offscreen``); without any, QApplication aborts the process."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return  # macOS and Windows always have their own platform plugin
    if any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return
    raise InvalidInput(
        "chronox-cli monitor needs a display: set DISPLAY (or WAYLAND_DISPLAY), "
        "or QT_QPA_PLATFORM=offscreen for --screenshot"
    )
