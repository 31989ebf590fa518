"""``registry import``'s file: a list or a CSV, comments skipped, errors at FILE:LINE."""

from __future__ import annotations

import pytest

from chronox_domain.errors import MalformedData
from chronox_domain.registry import SymbolEntry
from chronox_domain.registry_file import read_registry_file
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

DEFAULTS = SymbolEntry("X", (Timeframe.D1,), SessionKind.RTH, True, False)


def read(text: str) -> list[SymbolEntry]:
    return read_registry_file("u.txt", text.splitlines(), DEFAULTS)


def test_a_list_takes_the_defaults_and_skips_comments_and_blanks() -> None:
    found = read("# my universe\n\nAAPL\n  spy  \n   # indented comment\nBRK.B\nAAPL\n")
    assert [e.symbol for e in found] == ["AAPL", "SPY", "BRK.B"]
    assert {(e.timeframes, e.session, e.follow_renames) for e in found} == {
        ((Timeframe.D1,), SessionKind.RTH, False)
    }


def test_a_csv_gives_each_line_its_settings_and_empty_cells_the_defaults() -> None:
    found = read("symbol,timeframes,session\nAAPL,1d|1m,ETH\nMSFT,,\nIBM,1h 1d\nKIMpL\n")
    assert found == [
        SymbolEntry("AAPL", (Timeframe.M1, Timeframe.D1), SessionKind.ETH, True, False),
        SymbolEntry("MSFT", (Timeframe.D1,), SessionKind.RTH, True, False),
        SymbolEntry("IBM", (Timeframe.H1, Timeframe.D1), SessionKind.RTH, True, False),
        SymbolEntry("KIMpL", (Timeframe.D1,), SessionKind.RTH, True, False),
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("AAPL\nnot a ticker\n", "u.txt:2: invalid symbol 'not a ticker'"),
        ("symbol,timeframes\n# c\nAAPL,1x\n", "u.txt:3: unknown timeframe '1x'"),
        ("symbol,session\nAAPL,night\n", "u.txt:2: .*session"),
        ("symbol,sector\nAAPL,tech\n", "u.txt:1: a header names"),
        ("symbol,timeframes\nAAPL,1m,1d\n", "u.txt:2: 3 cells for 2 columns"),
        ("symbol,session\nAAPL,rth\n\nAAPL,eth\n", "u.txt:4: AAPL is listed on line 2"),
    ],
)
def test_a_bad_line_is_named(text: str, where: str) -> None:
    with pytest.raises(MalformedData, match=where):
        read(text)
