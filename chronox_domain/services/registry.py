"""The symbol registry: what the backfill keeps complete."""

from __future__ import annotations

from collections.abc import Sequence

from chronox_domain.errors import NotRegistered
from chronox_domain.ports import SymbolRegistry
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


class RegistryService:
    def __init__(self, registry: SymbolRegistry) -> None:
        self._registry = registry

    def entries(self, active_only: bool = False) -> list[SymbolEntry]:
        return self._registry.entries(active_only)

    def get(self, symbol: str) -> SymbolEntry:
        name = parse_symbol(symbol)
        entry = self._registry.get(name)
        if entry is None:
            raise NotRegistered(name)
        return entry

    def add(
        self,
        symbol: str,
        timeframes: Sequence[Timeframe] = (Timeframe.M1,),
        session: SessionKind = SessionKind.RTH,
        active: bool = True,
        follow_renames: bool = True,
    ) -> SymbolEntry:
        """Register ``symbol`` (or replace its settings when already registered)."""
        ordered = tuple(sorted(set(timeframes) or {Timeframe.M1}, key=_timeframe_order))
        entry = SymbolEntry(parse_symbol(symbol), ordered, session, active, follow_renames)
        self._registry.put(entry)
        return entry

    def remove(self, symbol: str) -> None:
        name = parse_symbol(symbol)
        if not self._registry.remove(name):
            raise NotRegistered(name)


def _timeframe_order(timeframe: Timeframe) -> int:
    return list(Timeframe).index(timeframe)
