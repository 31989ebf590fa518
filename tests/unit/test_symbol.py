"""Ticker validation."""

from __future__ import annotations

import pytest

from chronox_domain.errors import InvalidSymbol
from chronox_domain.symbol import parse_symbol


@pytest.mark.parametrize(("text", "ticker"), [("spy", "SPY"), (" brk.b ", "BRK.B"), ("X", "X")])
def test_a_ticker_is_upper_cased_and_trimmed(text: str, ticker: str) -> None:
    assert parse_symbol(text) == ticker


@pytest.mark.parametrize(
    "text", ["", "0SPY", "SPY;DROP", "ABCDEFGHIJKLMNOP", "\u00df", "\u0131bm", "\uff33PY"]
)
def test_anything_else_is_an_invalid_symbol(text: str) -> None:
    with pytest.raises(InvalidSymbol):
        parse_symbol(text)
