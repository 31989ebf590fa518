"""Bar events: what subscribers hear after a batch is stored."""

from __future__ import annotations

from dataclasses import dataclass

from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch


@dataclass(frozen=True, slots=True)
class BarEvent:
    """A new or corrected bar, as stored: provisional until the settle delay passed."""

    bar: Bar
    provisional: bool
    source: str


def events_of(batch: BarBatch) -> list[BarEvent]:
    return [BarEvent(bar, batch.is_provisional(bar), batch.source) for bar in batch.bars]
