"""``PATCH /symbols`` (many entries at once) through the typed client on a real uvicorn over SQLite:
10,000 symbols registered in one call, paged back, all or none."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidInput
from chronox_presentation import SymbolFields
from tests.integration.test_api_client import Served

pytestmark = pytest.mark.integration

UNIVERSE = [f"T{i:05d}" for i in range(10_000)]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ChronoxClient]:
    # 10,000 entries of {"symbol": "T00000"} are about 200 KB: past the 64 KiB default.
    server = Served(tmp_path / "api.sqlite3", api_token=None, api_max_body_bytes=1_000_000)
    try:
        with ChronoxClient(ChronoxApiConfig(server.url)) as found:
            yield found
    finally:
        server.stop()


def test_ten_thousand_symbols_imported_and_paged_under_two_seconds(
    client: ChronoxClient,
) -> None:
    started = time.perf_counter()
    change = client.import_symbols(UNIVERSE)
    imported = time.perf_counter() - started
    assert change.added == UNIVERSE and change.updated == change.already_present == []
    started = time.perf_counter()
    listed = [entry.symbol for entry in client.all_symbols()]
    paged = time.perf_counter() - started
    assert listed == UNIVERSE
    assert imported < 2 and paged < 2, (imported, paged)


def test_each_entry_has_its_settings_and_the_summary_sorts_them(client: ChronoxClient) -> None:
    client.add_symbol("SPY")
    client.add_symbol("QQQ")
    change = client.import_symbols(
        [
            "SPY",
            SymbolFields(symbol="QQQ", timeframes=["1m", "1d"], session="eth"),
            SymbolFields(symbol="BRK.B", follow_renames=False),
        ]
    )
    assert (change.added, change.updated, change.already_present) == (["BRK.B"], ["QQQ"], ["SPY"])
    assert client.symbol("QQQ").timeframes == ["1m", "1d"]
    assert client.symbol("BRK.B").follow_renames is False


def test_a_bad_body_registers_nothing(client: ChronoxClient) -> None:
    with pytest.raises(InvalidInput, match="QQQ"):
        client.import_symbols(["SPY", SymbolFields(symbol="QQQ", session="eth"), "QQQ"])
    with pytest.raises(InvalidInput):
        client.import_symbols(["SPY", "not a ticker"])
    assert list(client.all_symbols()) == []
