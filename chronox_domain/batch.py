"""A batch of bars and the coverage it proves: what a repository writes in one
transaction and a publisher announces once it committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageSpan
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class BarBatch:
    """Bars of one (symbol, timeframe) and the coverage they prove, written together."""

    symbol: str
    timeframe: Timeframe
    bars: Sequence[Bar]
    source: str
    #: Bars starting at or after this moment are provisional (None: all final).
    provisional_from: datetime | None
    coverage: Sequence[CoverageSpan] = field(default_factory=tuple)

    def is_provisional(self, bar: Bar) -> bool:
        return self.provisional_from is not None and bar.start >= self.provisional_from
