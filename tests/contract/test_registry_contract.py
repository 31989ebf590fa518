"""The registry's bulk write, on every store: many entries in one transaction, inserted
or replaced, exactly what one ``put`` each would leave."""

from __future__ import annotations

from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from tests.contract.conftest import StoreUnderTest


def test_put_many_inserts_and_replaces(store: StoreUnderTest) -> None:
    registry = store.registry
    registry.put(SymbolEntry("SPY", (Timeframe.M1,)))
    given = [
        SymbolEntry("SPY", (Timeframe.M1, Timeframe.D1), SessionKind.ETH, True, False),
        SymbolEntry("BRK.B", (Timeframe.D1,), SessionKind.RTH, False),
        SymbolEntry("KIMpL", (Timeframe.M5, Timeframe.H1)),
    ]
    registry.put_many(given)
    assert registry.entries() == sorted(given, key=lambda entry: entry.symbol)
    assert registry.get("KIMpL") == given[2]
    registry.put_many([])
    assert len(registry.entries()) == 3


def test_put_many_ten_thousand(store: StoreUnderTest) -> None:
    given = [SymbolEntry(f"T{i:05d}", (Timeframe.M1, Timeframe.D1)) for i in range(10_000)]
    store.registry.put_many(given)
    store.registry.put_many(given[:10])  # already there: replaced by the same
    assert store.registry.entries() == given


def test_entries_page_in_code_point_order(store: StoreUnderTest) -> None:
    names = ["BRKB", "BRK.B", "KIMpL", "KIMP", "A", "aa".upper(), "Zz"]
    store.registry.put_many([SymbolEntry(name, active=name != "KIMP") for name in names])
    ordered = sorted(set(names))
    assert [e.symbol for e in store.registry.entries()] == ordered
    assert [e.symbol for e in store.registry.entries(start="BRK.B", limit=2)] == ordered[2:4]
    assert [e.symbol for e in store.registry.entries(start="BRK", limit=1)] == ["BRK.B"]
    active = [e.symbol for e in store.registry.entries(True, start="KIM")]
    assert active == ["KIMpL", "Zz"]
    assert store.registry.entries(start="zzz") == []
