"""Acting on splits: stale coverage becomes a gap again."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chronox_domain.ports import MarketDataRepository, SplitSource
from chronox_domain.splits import Split, canonical, new_splits

log = logging.getLogger(__name__)


class SplitService:
    def __init__(self, repository: MarketDataRepository, source: SplitSource) -> None:
        self._repository = repository
        self._source = source

    def refresh(self, symbols: Sequence[str]) -> list[Split]:
        """Ask the source for splits of ``symbols``; act on the new ones. Returns them."""
        applied: list[Split] = []
        for symbol in canonical(symbols):
            fresh = new_splits(self._source.splits(symbol), self._repository.applied_splits(symbol))
            for split in fresh:
                cut = self._repository.apply_split(symbol, split.key, split.stale_before)
                log.info("split %s %s: %d ledger spans made stale", symbol, split.key, cut)
                applied.append(split)
        return applied
