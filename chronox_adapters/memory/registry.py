"""A dictionary-backed symbol registry."""

from __future__ import annotations

from collections.abc import Sequence

from chronox_domain.registry import SymbolEntry


class MemoryRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, SymbolEntry] = {}

    def entries(
        self, active_only: bool = False, *, start: str | None = None, limit: int | None = None
    ) -> list[SymbolEntry]:
        found = sorted(self._entries.values(), key=lambda entry: entry.symbol)
        kept = [
            entry
            for entry in found
            if (entry.active or not active_only) and (start is None or entry.symbol >= start)
        ]
        return kept if limit is None else kept[:limit]

    def get(self, symbol: str) -> SymbolEntry | None:
        return self._entries.get(symbol)

    def put(self, entry: SymbolEntry) -> None:
        self._entries[entry.symbol] = entry

    def put_many(self, entries: Sequence[SymbolEntry]) -> None:
        self._entries.update((entry.symbol, entry) for entry in entries)

    def remove(self, symbol: str) -> bool:
        return self._entries.pop(symbol, None) is not None
