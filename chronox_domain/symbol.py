"""Ticker validation: anything else is an input error before it reaches SQL, a
Redis channel name or a vendor URL."""

from __future__ import annotations

import re

from chronox_domain.errors import InvalidSymbol

_TICKER = re.compile(r"[A-Z][A-Z0-9.\-]{0,14}")


def parse_symbol(text: str) -> str:
    """Return the canonical (upper-case) ticker or raise :class:`InvalidSymbol`."""
    stripped = text.strip()
    candidate = stripped.upper()
    # ASCII before upper-casing: sharp s and dotless i would become "SS" and "I".
    if not stripped.isascii() or not _TICKER.fullmatch(candidate):
        raise InvalidSymbol(
            f"invalid symbol {text!r}: expected 1-15 characters, a letter first, "
            "then letters, digits, '.' or '-'"
        )
    return candidate
