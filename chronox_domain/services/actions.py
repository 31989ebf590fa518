"""Keeping each symbol's corporate actions current, and reading them back.

A sync asks the vendor for a symbol's actions at most once per exchange day unless
forced: a bundle fetched on today's New York date is fresh, and costs no request (four
reference endpoints a symbol, a universe of thousands: the budget is the bars'). The
exchange's date rather than a rolling 24 hours: a daily cron that runs a few seconds
early still refreshes, and a sync on the morning of a split's execution date fetches
again even when last evening's (already that date in UTC) did.

Each symbol's bundle is stored as soon as it is fetched, in one transaction (the
store's ``put_actions``): an interrupted sync keeps what it fetched. A ticker the vendor
does not know is reported, and the others go on. So does a vendor failure on one symbol,
but after :data:`GIVE_UP_AFTER` symbols failed in a row the vendor is down (or refuses
the key): the remaining symbols are reported as not tried instead of spending a request
each on the same failure.

Without a vendor source (synthetic demo bars, files) there are no corporate actions to
sync: the synthetic prices never split nor pay, a file carries none. Nothing is stored
then: a bundle of "no actions" stored under a real ticker would pass for the vendor's
answer, and hide that ticker's splits for the day once the vendor is the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from chronox_domain.actions import CorporateActions, TickerChange
from chronox_domain.errors import (
    ActionsNotSynced,
    ChronoxError,
    InvalidInput,
    NotFound,
    SourceUnavailable,
)
from chronox_domain.ports import Clock, CorporateActionSource, CorporateActionStore, SymbolRegistry
from chronox_domain.renames import follows_renames
from chronox_domain.services.legacy import LegacyRebase
from chronox_domain.session import exchange_timezone
from chronox_domain.symbol import parse_symbol

#: Vendor failures in a row after which a sync stops asking (see the module).
GIVE_UP_AFTER = 3
#: Symbols whose stored bundles are read at once to tell the fresh ones.
_READ_BATCH = 1_000

#: Called after each symbol with (symbols done, symbols asked).
Progress = Callable[[int, int], None]
#: Called after each symbol with what it counted (one of :data:`SYNC_COUNTERS`, 1).
Counted = Callable[[Mapping[str, int]], None]


@dataclass(frozen=True, slots=True)
class SyncFailure:
    symbol: str
    reason: str


@dataclass(frozen=True, slots=True)
class ActionsSyncReport:
    """What a sync did, symbol by symbol (each list in the order asked).

    ``has_source`` False: the source has no corporate actions, nothing was asked.
    ``fresh``: fetched today already, not asked again. ``unknown``: tickers the vendor
    does not know. ``skipped``: not asked, the vendor having failed the symbols before
    them :data:`GIVE_UP_AFTER` times in a row."""

    has_source: bool
    asked: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    fresh: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    failed: tuple[SyncFailure, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every symbol asked is now stored, fetched today."""
        return not (self.unknown or self.failed or self.skipped)

    def problem(self) -> ChronoxError | None:
        """The error that states what went wrong, in one line (None when nothing did):
        ``SourceUnavailable`` when the vendor failed a symbol (naming the unknown tickers
        too), else ``NotFound`` for the tickers the vendor does not know."""
        unknown = f"the vendor does not know {_names(self.unknown)}" if self.unknown else ""
        if not (self.failed or self.skipped):
            return NotFound(unknown) if unknown else None
        parts = [f"{failure.symbol}: {failure.reason}" for failure in self.failed[:3]]
        if len(self.failed) > len(parts):
            parts.append(f"and {len(self.failed) - len(parts)} more")
        if self.skipped:
            parts.append(
                f"{_count(self.skipped)} not tried after {GIVE_UP_AFTER} failures in a row"
            )
        text = (
            f"the vendor failed the corporate actions of {_count(self.failed)} ({'; '.join(parts)})"
        )
        return SourceUnavailable(f"{text}; {unknown}" if unknown else text)


@dataclass(slots=True)
class _Tally:
    fetched: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failed: list[SyncFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    in_a_row: int = 0


#: What a sync counts, per symbol (the progress lines' words).
SYNC_COUNTERS = ("symbols_fetched", "symbols_fresh", "symbols_unknown", "symbols_failed")


class ActionsService:
    """Syncs corporate actions from ``source`` into ``store``, and reads them.

    ``source`` None: the source has none (see the module). ``registry``: whose active
    symbols a sync of no named symbol covers. ``zone``: where a day is dated (New York,
    the exchange's)."""

    def __init__(
        self,
        source: CorporateActionSource | None,
        store: CorporateActionStore,
        clock: Clock,
        *,
        registry: SymbolRegistry | None = None,
        zone: tzinfo | None = None,
        legacy: LegacyRebase | None = None,
    ) -> None:
        """``legacy``: rebases a symbol's earlier split-adjusted bars as soon as its
        actions are stored (None: a store that never held any)."""
        self._source = source
        self._legacy = legacy
        self._store = store
        self._clock = clock
        self._registry = registry
        self._zone = zone

    @property
    def has_source(self) -> bool:
        return self._source is not None

    def actions(self, symbol: str) -> CorporateActions:
        """The stored actions of ``symbol``; ``ActionsNotSynced`` when none were fetched."""
        name = parse_symbol(symbol)
        found = self._store.actions(name)
        if not found.is_known:
            raise ActionsNotSynced(name)
        return found

    def renames(self, symbol: str, follow: bool = True) -> tuple[TickerChange, ...]:
        """The stored ticker changes an ingest of ``symbol`` follows: none when it is
        read literally (``follow`` False, or its registry entry says so) or none are
        known."""
        if not follow or not follows_renames(self._registry, symbol):
            return ()
        return self._store.actions(symbol).ticker_changes

    def sync(
        self,
        symbols: Sequence[str] = (),
        force: bool = False,
        *,
        most: int | None = None,
        progress: Progress | None = None,
        counted: Counted | None = None,
    ) -> ActionsSyncReport:
        """Fetch and store the actions of ``symbols`` (none named: every active registry
        symbol) that were not fetched today, or all of them when ``force``. ``most``: at
        most that many named symbols (an interface's limit per request), refused before
        anything is asked, as are malformed tickers."""
        if most is not None and len(symbols) > most:
            raise InvalidInput(f"{len(symbols)} symbols in one sync; at most {most} at once")
        names = list(dict.fromkeys(parse_symbol(symbol) for symbol in symbols))
        if not names and self._registry is not None:
            names = [entry.symbol for entry in self._registry.entries(active_only=True)]
        if self._source is None:
            return ActionsSyncReport(has_source=False, asked=tuple(names))
        stale = set(names) if force else self._stale(names)
        tally = _Tally()
        for done, name in enumerate(names, start=1):
            outcome = self._sync_one(self._source, name, name in stale, tally)
            if counted is not None:
                counted({outcome: 1})
            if progress is not None:
                progress(done, len(names))
        return ActionsSyncReport(
            True,
            tuple(names),
            tuple(tally.fetched),
            tuple(tally.fresh),
            tuple(tally.unknown),
            tuple(tally.failed),
            tuple(tally.skipped),
        )

    def _sync_one(
        self, source: CorporateActionSource, name: str, stale: bool, tally: _Tally
    ) -> str:
        """Sync one symbol into ``tally``; the name of the counter it adds to."""
        if not stale:
            tally.fresh.append(name)
            return "symbols_fresh"
        if tally.in_a_row >= GIVE_UP_AFTER:
            tally.skipped.append(name)
            return "symbols_failed"
        try:
            actions = source.actions(name)
        except NotFound:
            tally.unknown.append(name)
            tally.in_a_row = 0  # the vendor answered: it is up
            return "symbols_unknown"
        except SourceUnavailable as exc:
            tally.failed.append(SyncFailure(name, str(exc)))
            tally.in_a_row += 1
            return "symbols_failed"
        self._store.put_actions(actions)
        if self._legacy is not None:
            self._legacy.after_sync(actions)
        tally.fetched.append(name)
        tally.in_a_row = 0
        return "symbols_fetched"

    def _stale(self, names: list[str]) -> set[str]:
        """The symbols whose stored bundle was not fetched today (or never)."""
        today = self._today()
        stale: set[str] = set()
        for first in range(0, len(names), _READ_BATCH):
            stored = self._store.actions_for(names[first : first + _READ_BATCH])
            for name, actions in stored.items():
                if actions.fetched_at is None or self._day_of(actions.fetched_at) != today:
                    stale.add(name)
        return stale

    def _today(self) -> date:
        return self._day_of(self._clock.now())

    def _day_of(self, moment: datetime) -> date:
        return moment.astimezone(self._zone or exchange_timezone()).date()


def _names(symbols: Sequence[str], shown: int = 10) -> str:
    """``A, B and C``; past ``shown`` names, ``A, B, ... and 12 more``."""
    listed = list(symbols[:shown])
    more = len(symbols) - len(listed)
    if more > 0:
        return f"{', '.join(listed)} and {more} more"
    if len(listed) == 1:
        return listed[0]
    return f"{', '.join(listed[:-1])} and {listed[-1]}"


def _count(items: Sequence[object]) -> str:
    return f"{len(items)} symbol{'' if len(items) == 1 else 's'}"
