"""Corporate actions in a dictionary: the fake of ``CorporateActionStore``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chronox_domain.actions import CorporateActions
from chronox_domain.errors import InvalidInput


class MemoryActionStore:
    """Honours the ``CorporateActionStore`` contract: bundles are immutable, so storing
    one is keeping it, and replacing a symbol's bundle is one assignment."""

    def __init__(self) -> None:
        self._bundles: dict[str, CorporateActions] = {}

    def put_actions(self, actions: CorporateActions) -> None:
        self._bundles[_fetched(actions).symbol] = actions

    def actions(self, symbol: str) -> CorporateActions:
        return self._bundles.get(symbol) or CorporateActions.unknown(symbol)

    def actions_for(self, symbols: Sequence[str]) -> dict[str, CorporateActions]:
        return {symbol: self.actions(symbol) for symbol in symbols}

    def actions_fetched_at(self, symbol: str) -> datetime | None:
        return self.actions(symbol).fetched_at


def _fetched(actions: CorporateActions) -> CorporateActions:
    if actions.fetched_at is None:
        raise InvalidInput(f"the actions of {actions.symbol} were never fetched: nothing to store")
    return actions
