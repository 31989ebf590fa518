"""Ticker validation: anything else is an input error before it reaches SQL, a
Redis channel name or a vendor URL.

Case is the vendor's: its tickers are case-sensitive and some are spelt in mixed case
(preferred shares such as ``KIMpL``), so a ticker with any upper-case letter is kept
exactly as given. Only an all-lower-case input (``spy``) is read as shorthand and
upper-cased.
"""

from __future__ import annotations

import re

from chronox_domain.errors import InvalidSymbol
from chronox_domain.refusals import described

_TICKER = re.compile(r"[A-Za-z][A-Za-z0-9.\-]{0,14}")


def parse_symbol(text: object) -> str:
    """Return the canonical ticker or raise :class:`InvalidSymbol` (for any value that
    is no ticker, a string or not)."""
    if not isinstance(text, str):
        raise InvalidSymbol(f"expected a ticker string, got {described(text)}")
    stripped = text.strip()
    # ASCII first: sharp s and dotless i would otherwise pass as letters.
    if not stripped.isascii() or not _TICKER.fullmatch(stripped):
        raise InvalidSymbol(
            f"invalid symbol {text!r}: expected 1-15 characters, a letter first, "
            "then letters, digits, '.' or '-'"
        )
    return stripped if any(c.isupper() for c in stripped) else stripped.upper()
