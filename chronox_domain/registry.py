"""Registry entries: which symbols chronox keeps complete, in which timeframes."""

from __future__ import annotations

from dataclasses import dataclass

from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class SymbolEntry:
    """``follow_renames``: the symbol's history before a ticker change is asked of the
    ticker that traded then (the default); False keeps to the literal ticker."""

    symbol: str
    timeframes: tuple[Timeframe, ...] = (Timeframe.M1,)
    session: SessionKind = SessionKind.RTH
    active: bool = True
    follow_renames: bool = True


@dataclass(frozen=True, slots=True)
class RegistryChange:
    """What registering many symbols did, each symbol sorted into one of three: new to
    the registry, registered before with other settings (now replaced), or registered
    before exactly so (nothing written for it). ``entries``: every given symbol's entry
    as it is registered now, in the order given."""

    entries: tuple[SymbolEntry, ...] = ()
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
