"""A dictionary-backed symbol registry."""

from __future__ import annotations

from chronox_domain.registry import SymbolEntry


class MemoryRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, SymbolEntry] = {}

    def entries(self, active_only: bool = False) -> list[SymbolEntry]:
        found = sorted(self._entries.values(), key=lambda entry: entry.symbol)
        return [entry for entry in found if entry.active or not active_only]

    def get(self, symbol: str) -> SymbolEntry | None:
        return self._entries.get(symbol)

    def put(self, entry: SymbolEntry) -> None:
        self._entries[entry.symbol] = entry

    def remove(self, symbol: str) -> bool:
        return self._entries.pop(symbol, None) is not None
