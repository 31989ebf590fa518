"""Status: whether the store and the event bus answer, and whether stored bars are demo
data. Every interface reports both the same way, from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chronox_domain.errors import ChronoxError
from chronox_domain.ports import EventPublisher, MarketDataRepository

#: The ledger's names of the sources that generate demo data (each such ``BarSource``
#: has ``demo = True``): bars recorded from them are not real market prices.
DEMO_SOURCES = frozenset({"synthetic"})


def demo_data(sources: Iterable[str]) -> bool:
    """True when any of ``sources`` (as the ledger records them) generates demo data.

    A live source knows whether it is demo (``BarSource.demo``); bars already stored
    know only the name of the source they came from, and this is where that name is
    read."""
    return not DEMO_SOURCES.isdisjoint(sources)


@dataclass(frozen=True, slots=True)
class Check:
    """One part's answer: whether it works, and one line saying so (or why not)."""

    ok: bool
    detail: str


def events_check(line: str) -> Check:
    """Reads ``EventPublisher.health()``: its line says ``"... unavailable: ..."`` when
    events do not get through (the port's convention, read here and nowhere else)."""
    return Check("unavailable" not in line, line)


@dataclass(frozen=True, slots=True)
class Health:
    store: Check
    events: Check
    #: A vendor key is configured (without one, bars are synthetic demo data).
    vendor_configured: bool

    @property
    def ok(self) -> bool:
        """Everything answers; otherwise chronox is degraded (it still serves what
        works)."""
        return self.store.ok and self.events.ok


class StatusService:
    """Asks the store and the event bus whether they answer.

    The store is opened by the check itself (``repository`` is called, and may raise
    ``StorageUnavailable``): an unreachable store is a finding here, not a failure."""

    def __init__(
        self,
        repository: Callable[[], MarketDataRepository],
        publisher: Callable[[], EventPublisher],
        vendor_configured: bool,
    ) -> None:
        self._repository = repository
        self._publisher = publisher
        self._vendor_configured = vendor_configured

    def health(self) -> Health:
        try:
            self._repository().counts()
            store = Check(True, "ok")
        except ChronoxError as exc:
            store = Check(False, f"unavailable: {exc}")
        events = events_check(self._publisher().health())
        return Health(store, events, self._vendor_configured)
