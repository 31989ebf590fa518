"""Bar events: what subscribers hear after a batch is stored."""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass

from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class BarEvent:
    """A new or corrected bar, as stored: provisional until the settle delay passed."""

    bar: Bar
    provisional: bool
    source: str


def events_of(batch: BarBatch) -> list[BarEvent]:
    return [BarEvent(bar, batch.is_provisional(bar), batch.source) for bar in batch.bars]


def check_subscription(symbols: Sized, most: int) -> None:
    """Refuse a subscription to more than ``most`` symbols: one watcher (``/ws/bars``,
    ``chronox-cli watch``) may not make the bus filter for thousands of names."""
    if len(symbols) > most:
        raise InvalidInput(f"{len(symbols)} symbols in one subscription; at most {most} at once")
