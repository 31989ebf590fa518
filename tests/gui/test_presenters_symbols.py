"""The symbols presenter against a real API: the registry with coverage % of a range
(the new /coverage/{symbol}/summary), adding and removing, and a token refused."""

from __future__ import annotations

from datetime import date

import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidSymbol, Unauthorized
from chronox_entrypoints.gui.presenters import SymbolsPresenter
from tests.gui.conftest import EARLY_SESSION, FULL_SESSION, TOKEN
from tests.integration.test_api_client import Served

pytestmark = pytest.mark.gui

WEEK = (date(2024, 11, 25), date(2024, 11, 29))


def test_each_symbol_shows_its_coverage_of_the_range(client: ChronoxClient) -> None:
    rows = {row.symbol: row for row in SymbolsPresenter(client).refresh("1m", *WEEK)}
    stored = 2 * FULL_SESSION + EARLY_SESSION
    assert rows["SPY"].percent == pytest.approx(100 * stored / (stored + FULL_SESSION), abs=0.01)
    assert rows["SPY"].coverage == "71.7 %" and rows["SPY"].active
    assert rows["AAPL"].percent == 0.0 and rows["AAPL"].session == "rth"


def test_a_watched_symbol_the_registry_lacks_is_listed_and_marked(client: ChronoxClient) -> None:
    # XLK: a ticker no other test of the session's shared API registers (QQQ is, by the
    # coverage presenter's tests, whichever runs first).
    rows = SymbolsPresenter(client).refresh("1m", *WEEK, watched=["SPY", "XLK", "XLK"])
    assert [row.symbol for row in rows].count("SPY") == 1  # registered: listed once
    (xlk,) = [row for row in rows if row.symbol == "XLK"]
    assert not xlk.registered and xlk.state == "not in registry" and xlk.percent == 0.0
    assert {row.state for row in rows if row.symbol != "XLK"} == {"active"}


def test_add_and_remove(client: ChronoxClient) -> None:
    symbols = SymbolsPresenter(client)
    assert symbols.add(" dia ") == "DIA"
    assert "DIA" in {row.symbol for row in symbols.refresh("1d", *WEEK)}
    symbols.remove("DIA")
    assert "DIA" not in {row.symbol for row in symbols.refresh("1d", *WEEK)}
    with pytest.raises(InvalidSymbol):
        symbols.add("not a ticker")


def test_adding_without_the_token_is_refused_and_with_it_works(guarded: Served) -> None:
    with ChronoxClient(ChronoxApiConfig(guarded.url)) as anonymous, pytest.raises(Unauthorized):
        SymbolsPresenter(anonymous).add("SPY")
    with ChronoxClient(ChronoxApiConfig(guarded.url, token=TOKEN)) as trusted:
        assert SymbolsPresenter(trusted).add("SPY") == "SPY"
