"""Stock splits and what they do to the ledger.

chronox stores split-adjusted bars by default (the vendor's default, and what a chart
or a backtest expects). A window fetched adjusted before a split was known is stale:
its prices are on the old basis. When a source reports a split chronox has not seen,
the symbol's coverage before the split's execution date is dropped (in every
timeframe), so the next backfill re-fetches those windows on the new basis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class Split:
    symbol: str
    execution_date: date
    split_from: float
    split_to: float

    @property
    def key(self) -> str:
        """Identifies the split in the ledger (the same report always gives the same key)."""
        return f"{self.execution_date.isoformat()}:{self.split_from:g}:{self.split_to:g}"

    @property
    def stale_before(self) -> datetime:
        """Coverage before this instant was fetched on the old basis."""
        return Timeframe.D1.daily_stamp(self.execution_date)


@dataclass(frozen=True, slots=True)
class SplitReport:
    applied: list[Split]
    known: int


def new_splits(reported: Sequence[Split], applied_keys: set[str]) -> list[Split]:
    """The reported splits the ledger has not acted on yet, oldest first."""
    return sorted(
        (split for split in reported if split.key not in applied_keys),
        key=lambda split: split.execution_date,
    )


def canonical(symbols: Sequence[str]) -> list[str]:
    return sorted({parse_symbol(symbol) for symbol in symbols})
