"""Live bars on a price basis (``/ws/bars?adjust=``): the newest stored bars read on the
basis, then the bus's live bars, with nothing lost and nothing sent twice in between.

Why a live bar needs no adjustment on any basis: a basis changes the bars of a session
only for the actions that take effect AFTER it (a split's execution date, a dividend's
ex-date: each the first session on the new basis). A live bar belongs to the current
session, and nothing has taken effect after the current session yet, so on ``none``,
``splits`` and ``all`` alike it reads as it traded. A split that executes today is no
exception: the bars of its execution date are already on the new share basis, pre-market
included (the vendor: "On the execution date, all trading is already adjusted for the
split"), and so is every live bar after it.

What such a split does change is the history a subscriber was replayed before it took
effect: the bars of earlier sessions, on ``splits`` or ``all``, are now divided by one
more ratio. They are not rewritten in place (a subscriber cannot tell a rewrite from a
correction); :class:`BasisWatch` notices that the actions in effect have changed (a
split or an ex-date reached, or one synced since the replay was read) and the
subscription ends with ``BasisChanged``: the subscriber reads its history again and
subscribes anew. For the same reason a correction of a bar from before an action in
effect is not relayed as traded: its basis is not the subscriber's (a read has it).
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from chronox_domain.actions import CorporateActions, PriceBasis
from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageStatus
from chronox_domain.errors import BasisChanged
from chronox_domain.events import BarEvent
from chronox_domain.ports import Clock, CorporateActionStore, MarketDataRepository, TradingCalendar
from chronox_domain.services.bars import BarsService
from chronox_domain.timeframe import Timeframe

#: How often an open subscription looks again at its symbols' actions (a sync may bring a
#: split that took effect today): at most once this often, and at each new session.
RECHECK = timedelta(minutes=1)
#: The longest a session can be (extended hours): what the look-back is sized from.
_LONGEST_SESSION = timedelta(hours=16)


def session_date(bar: Bar, timezone: tzinfo) -> date:
    """The session a bar belongs to: a daily bar's stamp is its session date."""
    if bar.timeframe is Timeframe.D1:
        return bar.start.date()
    return bar.start.astimezone(timezone).date()


def boundaries(actions: CorporateActions, basis: PriceBasis) -> frozenset[date]:
    """The dates from which ``basis`` reads earlier sessions differently."""
    if basis is PriceBasis.NONE:
        return frozenset()
    splits = {split.execution_date for split in actions.splits}
    if basis is PriceBasis.SPLITS:
        return frozenset(splits)
    return frozenset(splits | {dividend.ex_dividend_date for dividend in actions.dividends})


class BasisWatch:
    """The actions in effect when a subscription's bars were read, per symbol, and the
    check that they still are (see the module's docstring)."""

    def __init__(
        self,
        actions: CorporateActionStore | None,
        basis: PriceBasis,
        calendar: TradingCalendar,
        clock: Clock,
    ) -> None:
        self._actions = actions if basis is not PriceBasis.NONE else None
        self._basis = basis
        self._timezone = calendar.timezone
        self._clock = clock
        self._known: dict[str, frozenset[date]] = {}
        self._checked: dict[str, tuple[date, datetime]] = {}

    def load(self, symbols: Sequence[str]) -> None:
        """Read the actions in effect today (blocking: the store): before the replay is
        read, so that an action synced in between is a change, never missed."""
        today, now = self._today(), self._clock.now()
        for symbol in symbols:
            self._known[symbol] = self._in_effect(symbol, today)
            self._checked[symbol] = (today, now)

    def due(self, event: BarEvent) -> bool:
        """Whether ``event`` calls for a look at its symbol's actions: the first bar of
        a later session, or :data:`RECHECK` since the last look."""
        checked = self._checked.get(event.bar.symbol)
        if self._actions is None or checked is None:
            return False
        day, when = checked
        return session_date(event.bar, self._timezone) > day or self._clock.now() - when >= RECHECK

    def recheck(self, event: BarEvent) -> None:
        """Raise ``BasisChanged`` when the actions in effect for ``event``'s session
        differ from those the subscription's bars were read with (blocking: the store)."""
        symbol = event.bar.symbol
        day = max(session_date(event.bar, self._timezone), self._today())
        self._checked[symbol] = (day, self._clock.now())
        now = self._in_effect(symbol, day)
        if now != self._known.get(symbol, frozenset()):
            new = sorted(now ^ self._known.get(symbol, frozenset()))
            raise BasisChanged(
                f"the {self._basis} basis of {symbol} changed (an action of "
                f"{', '.join(map(str, new))}): read its bars again and subscribe anew"
            )

    def relayable(self, event: BarEvent) -> bool:
        """Whether ``event`` reads on the basis as it traded: its session is on or after
        every action in effect (a live bar always is; a late correction of a session
        before a split may not be)."""
        known = self._known.get(event.bar.symbol)
        if not known:
            return True
        return session_date(event.bar, self._timezone) >= max(known)

    def _in_effect(self, symbol: str, day: date) -> frozenset[date]:
        if self._actions is None:
            return frozenset()
        found = boundaries(self._actions.actions(symbol), self._basis)
        return frozenset(boundary for boundary in found if boundary <= day)

    def _today(self) -> date:
        return self._clock.now().astimezone(self._timezone).date()


@dataclass(frozen=True, slots=True)
class Replay:
    """The newest stored bars of each symbol on a basis, merged in start order, as the
    events a subscriber is sent first."""

    events: list[BarEvent]
    #: Each symbol's newest bar replayed: where live bars take over.
    newest: dict[str, Bar]


class LiveReplay:
    """Reads the replay of a subscription through :class:`BarsService`, on its basis."""

    def __init__(
        self,
        bars: BarsService,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        clock: Clock,
    ) -> None:
        self._bars = bars
        self._repository = repository
        self._calendar = calendar
        self._clock = clock

    def newest(
        self, symbols: Sequence[str], timeframe: Timeframe, count: int, basis: PriceBasis
    ) -> Replay:
        """The last ``count`` stored bars of each of ``symbols`` on ``basis`` (blocking:
        the store), each with the source and the settledness the ledger records."""
        per_symbol = [self._newest_of(symbol, timeframe, count, basis) for symbol in symbols]
        merged = heapq.merge(*per_symbol, key=lambda e: (e.bar.start, e.bar.symbol))
        events = list(merged)
        return Replay(
            events, {found[-1].bar.symbol: found[-1].bar for found in per_symbol if found}
        )

    def _newest_of(
        self, symbol: str, timeframe: Timeframe, count: int, basis: PriceBasis
    ) -> list[BarEvent]:
        """Looks back from today, four times further each time, until ``count`` bars or
        the calendar's first day: a few reads at most, each bounded by the range."""
        today = self._clock.now().astimezone(self._calendar.timezone).date()
        per_session = max(1, _LONGEST_SESSION // timeframe.step)
        days = (count // per_session + 1) * 7 // 5 + 5  # weekends and holidays
        while True:
            start = max(self._calendar.first_date, today - timedelta(days=days))
            columns = self._bars.table(symbol, timeframe, start, None, basis=basis).columns
            if len(columns) >= count or start == self._calendar.first_date:
                break
            days *= 4
        bars = columns.to_bars()[-count:] if count else []
        return self._as_events(symbol, timeframe, bars)

    def _as_events(self, symbol: str, timeframe: Timeframe, bars: list[Bar]) -> list[BarEvent]:
        """Stored bars as the events the bus carried: each with the source the ledger
        names for its time (a roll-up: its minutes'), provisional where the ledger is."""
        spans = self._repository.coverage(symbol, timeframe)
        if not spans and timeframe is not Timeframe.M1:
            spans = self._repository.coverage(symbol, Timeframe.M1)
        # No ledger span (a store written before the ledger): the series' own sources.
        fallback = ",".join(self._bars.provenance(symbol, timeframe).sources)
        spans = sorted(spans, key=lambda s: s.interval.start)
        starts = [s.interval.start for s in spans]
        events = []
        for bar in bars:
            at = bisect_right(starts, bar.start) - 1
            span = spans[at] if at >= 0 and spans[at].interval.contains(bar.start) else None
            source = span.source if span else fallback
            provisional = span is not None and span.status is CoverageStatus.PROVISIONAL
            events.append(BarEvent(bar, provisional, source))
        return events


class Splice:
    """Which events of the bus a subscriber still needs after its replay.

    The bus is subscribed to with a replay of its own, so the bars stored between the
    read of the replay and the subscription taking hold arrive too; those the replay
    already held are dropped: a bar older than a symbol's newest replayed one, or that
    very bar again. A different version of the newest one (a correction) is relayed."""

    def __init__(self, replay: Replay) -> None:
        self._newest = dict(replay.newest)

    def fresh(self, event: BarEvent) -> bool:
        symbol = event.bar.symbol
        newest = self._newest.get(symbol)
        if newest is None:
            return True
        if event.bar.start > newest.start:
            del self._newest[symbol]  # live from here on
            return True
        return event.bar.start == newest.start and event.bar != newest
