"""The symbol registry: what the backfill keeps complete."""

from __future__ import annotations

from collections.abc import Sequence

from chronox_domain.errors import InvalidInput, NotRegistered
from chronox_domain.ports import SymbolRegistry
from chronox_domain.registry import RegistryChange, SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


class RegistryService:
    def __init__(self, registry: SymbolRegistry) -> None:
        self._registry = registry

    def entries(
        self, active_only: bool = False, *, start: str | None = None, limit: int | None = None
    ) -> list[SymbolEntry]:
        """By symbol in code-point order, from ``start`` on, at most ``limit``."""
        return self._registry.entries(active_only, start=start, limit=limit)

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
        entry = SymbolEntry(
            parse_symbol(symbol), _ordered(timeframes), session, active, follow_renames
        )
        self._registry.put(entry)
        return entry

    def add_many(
        self,
        symbols: Sequence[str],
        timeframes: Sequence[Timeframe] = (Timeframe.M1,),
        session: SessionKind = SessionKind.RTH,
        active: bool = True,
        follow_renames: bool = True,
    ) -> RegistryChange:
        """Register every one of ``symbols`` with the same settings, all or none: a
        malformed symbol refuses the whole call, naming it, before anything is written."""
        frames = _ordered(timeframes)
        names = dict.fromkeys(parse_symbol(symbol) for symbol in symbols)
        return self.register(
            [SymbolEntry(name, frames, session, active, follow_renames) for name in names]
        )

    def register(self, entries: Sequence[SymbolEntry]) -> RegistryChange:
        """Insert or replace ``entries`` in one write (the ones registered exactly so
        already are left alone); a symbol given twice with different settings is
        refused before anything is written."""
        wanted: dict[str, SymbolEntry] = {}
        for given in entries:
            entry = SymbolEntry(
                parse_symbol(given.symbol),
                _ordered(given.timeframes),
                given.session,
                given.active,
                given.follow_renames,
            )
            if wanted.setdefault(entry.symbol, entry) != entry:
                raise InvalidInput(f"{entry.symbol} is given twice with different settings")
        present = {entry.symbol: entry for entry in self._registry.entries()}
        added = [name for name in wanted if name not in present]
        updated = [name for name in wanted if name in present and present[name] != wanted[name]]
        unchanged = [name for name in wanted if present.get(name) == wanted[name]]
        changed = [wanted[name] for name in (*added, *updated)]
        if changed:
            self._registry.put_many(changed)
        return RegistryChange(
            tuple(wanted.values()), tuple(added), tuple(updated), tuple(unchanged)
        )

    def remove(self, symbol: str) -> None:
        name = parse_symbol(symbol)
        if not self._registry.remove(name):
            raise NotRegistered(name)


def _ordered(timeframes: Sequence[Timeframe]) -> tuple[Timeframe, ...]:
    """The timeframes once each, shortest first; none means 1m."""
    chosen = set(timeframes) or {Timeframe.M1}
    return tuple(tf for tf in Timeframe if tf in chosen)
