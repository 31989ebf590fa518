"""How an error shows the value it refuses: its type and a short, one-line repr.

A refused value can be anything a caller handed over (a DataFrame, a 10 MB string, an
object whose ``__repr__`` raises), and the error is one line a person reads: so a repr
is shortened, flattened and never trusted to work.
"""

from __future__ import annotations

import reprlib
from typing import Any

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40


def shortened(value: Any) -> str:
    """The repr of ``value``, at most about 40 characters (``'2024-13-01'`` whole)."""
    return _SHORT.repr(value)


def described(value: Any) -> str:
    """``int 42``, ``str 'x'``: the type and a short one-line repr (a repr that raises,
    or runs over many lines, as a DataFrame's does, is shortened, not trusted)."""
    name = type(value).__name__
    try:
        shown = shortened(value)
    except Exception:  # a user's object whose __repr__ fails still gets a message
        return name
    line = " ".join(shown.split())
    return f"{name} {line if len(line) <= 60 else line[:57] + '...'}"
