"""Reading stored bars for a range given the way users give ranges: as a stream, a page
after a cursor, or chunks of a bounded size."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice

from chronox_domain.actions import CorporateActions, PriceBasis
from chronox_domain.adjust import AS_TRADED, Factors, adjust, basis_factors, closes_needed
from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidRange
from chronox_domain.interval import Interval, intersect
from chronox_domain.ports import (
    BarRollups,
    Clock,
    CorporateActionStore,
    MarketDataRepository,
    TradingCalendar,
)
from chronox_domain.ranges import Bound, ResolvedRange, resolve_range
from chronox_domain.rollup import roll_up
from chronox_domain.services.legacy import LegacyRebase
from chronox_domain.services.status import demo_data
from chronox_domain.session import Session, SessionKind, expected_windows
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the bars of a series come from."""

    #: The sources the ledger recorded, sorted (those of the 1m bars when derived).
    sources: tuple[str, ...]
    #: Rolled up from 1m bars: the timeframe itself was never fetched.
    derived: bool

    @property
    def demo(self) -> bool:
        return demo_data(self.sources)


@dataclass(frozen=True, slots=True)
class BarSeries:
    """The stored bars of a range, streamed in start order."""

    symbol: str
    timeframe: Timeframe
    provenance: Provenance
    bars: Iterator[Bar]
    #: The price basis the bars are on.
    basis: PriceBasis = PriceBasis.NONE


@dataclass(frozen=True, slots=True)
class BarTable:
    """The stored bars of a range, read in bulk as columns."""

    symbol: str
    timeframe: Timeframe
    provenance: Provenance
    columns: BarColumns
    #: The price basis the columns are on.
    basis: PriceBasis = PriceBasis.NONE


@dataclass(frozen=True, slots=True)
class BarPage:
    """At most ``limit`` bars of a range, and where the next page starts."""

    symbol: str
    timeframe: Timeframe
    provenance: Provenance
    bars: list[Bar]
    #: The start of the first bar of the next page; None on the last page.
    next_cursor: datetime | None
    #: The price basis the bars are on.
    basis: PriceBasis = PriceBasis.NONE


class BarsService:
    """Stored bars for a range, or bars rolled up from 1m for timeframes never fetched.

    Date bounds resolve against extended hours unless a session is named: the widest a
    session date can hold.

    The store holds bars as traded; every read names a ``basis`` (``splits`` unless
    told) and is adjusted with the symbol's stored corporate actions, after any roll-up,
    by session date (chronox_domain/adjust.py). Without an action store, or for a symbol
    with no actions (synthetic, files), every basis reads the bars as stored."""

    def __init__(
        self,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        clock: Clock,
        rollups: BarRollups | None = None,
        actions: CorporateActionStore | None = None,
        legacy: LegacyRebase | None = None,
    ) -> None:
        """``legacy``: puts an earlier release's split-adjusted bars of a symbol on the
        traded basis before it is read (None: a store that never held any)."""
        self._repository = repository
        self._actions = actions
        self._legacy = legacy
        self._calendar = calendar
        self._clock = clock
        self._rollups = rollups

    def provenance(self, symbol: str, timeframe: Timeframe) -> Provenance:
        """Whether ``timeframe`` bars of ``symbol`` are rolled up from 1m bars (nothing
        was ever fetched in that timeframe, but 1m bars were), and their sources."""
        symbol = parse_symbol(symbol)
        own = self._repository.sources(symbol, timeframe)
        if own or timeframe is Timeframe.M1:
            return Provenance(tuple(sorted(own)), derived=False)
        minutes = self._repository.sources(symbol, Timeframe.M1)
        return Provenance(tuple(sorted(minutes)), derived=bool(minutes))

    def derives(self, symbol: str, timeframe: Timeframe) -> bool:
        return self.provenance(symbol, timeframe).derived

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        """The sources the stored bars of (symbol, timeframe) came from."""
        return self._repository.sources(parse_symbol(symbol), timeframe)

    def bars(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind = SessionKind.ETH,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> Iterator[Bar]:
        """Stored bars of the range on ``basis``, streamed in start order."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        derived = self.provenance(symbol, timeframe).derived
        stream = self._stream(symbol, timeframe, start, end, session, derived)
        return self._adjusted_stream(stream, symbol, timeframe, self._factors(symbol, basis))

    def series(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind = SessionKind.ETH,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> BarSeries:
        """The bars of the range on ``basis`` as a stream, with where they come from."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        provenance = self.provenance(symbol, timeframe)
        factors = self._factors(symbol, basis)
        stream = self._stream(symbol, timeframe, start, end, session, provenance.derived)
        adjusted = self._adjusted_stream(stream, symbol, timeframe, factors)
        return BarSeries(symbol, timeframe, provenance, adjusted, basis)

    def table(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind | None = None,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> BarTable:
        """The bars of the range as columns, with where they come from. With a
        ``session``, the range resolves against it and only the bars inside its sessions
        are kept (regular hours: no pre- or post-market bars); without, every stored bar
        of the range (resolved against extended hours, as :meth:`bars`).

        A stored timeframe is the store's bulk read; roll-ups (one bar per bucket, far
        fewer) are gathered into columns from the same stream as :meth:`bars`."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        provenance = self.provenance(symbol, timeframe)
        kind = session or SessionKind.ETH
        resolved = self._resolve(timeframe, start, end, kind)
        if provenance.derived:
            rolled = self._stream(symbol, timeframe, start, end, kind, derived=True)
            columns = BarColumns.from_bars(symbol, timeframe, rolled)
        else:
            columns = self._repository.bar_columns(symbol, timeframe, resolved.window)
        if session is not None:
            slots = expected_windows(resolved.sessions, timeframe)
            columns = columns.inside(intersect(slots, [resolved.window]))
        columns = adjust(columns, self._factors(symbol, basis), self._calendar.timezone)
        return BarTable(symbol, timeframe, provenance, columns, basis)

    def tables(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        slots: int,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> Iterator[BarTable]:
        """The range as consecutive tables of at most ``slots`` slots of ``timeframe``
        each (so at most ``slots`` bars), in start order: what a file of any length is
        written from while only one table is held. A stored timeframe is one bulk read
        per table, a roll-up one query per table (as :meth:`chunks`); no store cursor
        stays open between tables.

        The first table is read by this call, so bad input raises here rather than in
        the middle of a stream. A range with no bars yields one empty table."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        provenance = self.provenance(symbol, timeframe)
        factors = self._factors(symbol, basis)
        if provenance.derived:
            parts: Iterator[BarColumns] = (
                BarColumns.from_bars(symbol, timeframe, chunk)
                for chunk in self.chunks(
                    symbol, timeframe, start, end, size=slots, basis=PriceBasis.NONE
                )
            )
        else:
            window = self._resolve(timeframe, start, end, SessionKind.ETH).window
            parts = (
                self._repository.bar_columns(symbol, timeframe, part)
                for part in _spans(window, timeframe, slots)
            )
        first = next(parts, None) or BarColumns.empty(symbol, timeframe)
        timezone = self._calendar.timezone
        return (
            BarTable(symbol, timeframe, provenance, adjust(columns, factors, timezone), basis)
            for columns in chain([first], parts)
            if columns is first or len(columns)
        )

    def page(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        limit: int,
        cursor: Bound | None = None,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> BarPage:
        """At most ``limit`` bars from ``cursor`` on (the page's first bar; the start of
        the range without one), and the cursor of the page after.

        One bar more than the page is read, so that the last page says so. A cursor
        outside the range raises ``InvalidRange``."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        provenance = self.provenance(symbol, timeframe)
        first, last = self._resume(timeframe, start, end, cursor)
        found = self._read(symbol, timeframe, first, last, provenance.derived, limit + 1)
        found = self._adjusted(found, symbol, timeframe, self._factors(symbol, basis))
        following = found[limit].start if len(found) > limit else None
        return BarPage(symbol, timeframe, provenance, found[:limit], following, basis)

    def chunks(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        size: int,
        cursor: Bound | None = None,
        basis: PriceBasis = PriceBasis.SPLITS,
    ) -> Iterator[list[Bar]]:
        """The range (from ``cursor`` on, when given) in lists of at most ``size`` bars,
        one query each, released before its chunk is handed out: a slow reader holds one
        chunk of memory, never a store connection.

        The first chunk is read by this call, so bad input raises here rather than in
        the middle of a stream."""
        symbol = parse_symbol(symbol)
        self._one_basis(symbol)
        derived = self.provenance(symbol, timeframe).derived
        first, last = self._resume(timeframe, start, end, cursor)
        factors = self._factors(symbol, basis)
        head = self._read(symbol, timeframe, first, last, derived, size + 1)
        raw = self._chunks_from(head, symbol, timeframe, last, derived, size)
        return (self._adjusted(chunk, symbol, timeframe, factors) for chunk in raw)

    def _chunks_from(
        self,
        chunk: list[Bar],
        symbol: str,
        timeframe: Timeframe,
        last: Bound | None,
        derived: bool,
        size: int,
    ) -> Iterator[list[Bar]]:
        while True:
            yield chunk[:size]
            if len(chunk) <= size:
                return
            chunk = self._read(symbol, timeframe, chunk[size].start, last, derived, size + 1)

    def _one_basis(self, symbol: str) -> None:
        """Before any read: legacy split-adjusted bars of ``symbol`` are rebased (or the
        read refused), so that no answer mixes them with bars as traded."""
        if self._legacy is not None:
            self._legacy.before_read(symbol)

    def actions_in_effect(self, symbol: str) -> CorporateActions:
        """The stored actions of ``symbol`` that reads adjust with today: those in
        effect on the exchange's current date (an announced split adjusts nothing before
        its execution date). Unknown without an action store."""
        if self._actions is None:
            return CorporateActions.unknown(symbol)
        today = self._clock.now().astimezone(self._calendar.timezone).date()
        return self._actions.actions(symbol).in_effect(today)

    def _factors(self, symbol: str, basis: PriceBasis) -> Factors:
        """The factors of ``basis`` from ``symbol``'s stored actions (read once per
        call, so a new split changes the next read with no bar request)."""
        if basis is PriceBasis.NONE or self._actions is None:
            return AS_TRADED
        actions = self.actions_in_effect(symbol)
        needed = closes_needed(actions.dividends) if basis is PriceBasis.ALL else []
        closes = self._closes_before(symbol, needed) if needed else None
        return basis_factors(actions, basis, closes)

    def _closes_before(self, symbol: str, days: list[date]) -> dict[date, float]:
        """The close, as traded, of the last stored session before each of ``days``
        (the dividends the vendor gave no factor for need it)."""
        closes: dict[date, float] = {}
        derived = self.provenance(symbol, Timeframe.D1).derived
        timezone = self._calendar.timezone
        for day in days:
            first, last = day - timedelta(days=14), day - timedelta(days=1)
            found = self._read(symbol, Timeframe.D1, first, last, derived, 32)
            before = [bar for bar in found if bar.start.astimezone(timezone).date() < day]
            if before:
                closes[day] = before[-1].close
        return closes

    def _adjusted(
        self, bars: list[Bar], symbol: str, timeframe: Timeframe, factors: Factors
    ) -> list[Bar]:
        if not factors.boundaries or not bars:
            return bars
        columns = BarColumns.from_bars(symbol, timeframe, bars)
        return adjust(columns, factors, self._calendar.timezone).to_bars()

    def _adjusted_stream(
        self, stream: Iterator[Bar], symbol: str, timeframe: Timeframe, factors: Factors
    ) -> Iterator[Bar]:
        """``stream`` on ``factors``, adjusted in bulk a batch at a time."""
        if not factors.boundaries:
            return stream
        return self._batches(stream, symbol, timeframe, factors)

    def _batches(
        self, stream: Iterator[Bar], symbol: str, timeframe: Timeframe, factors: Factors
    ) -> Iterator[Bar]:
        try:
            while batch := list(islice(stream, _BATCH)):
                yield from self._adjusted(batch, symbol, timeframe, factors)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    def _resume(
        self,
        timeframe: Timeframe,
        start: Bound | None,
        end: Bound | None,
        cursor: Bound | None,
    ) -> tuple[Bound | None, Bound | None]:
        """Where reading starts and ends: the range, or with a cursor the rest of it.

        Without an ``end`` a resumed read still ends where the first one's range did."""
        if cursor is None:
            return start, end
        window = resolve_range(
            self._calendar, SessionKind.ETH, timeframe, start, end, self._clock.now()
        ).window
        moment = cursor if isinstance(cursor, datetime) else None
        if moment is None or not window.contains(moment):
            raise InvalidRange(
                f"cursor {_instant(cursor)} is outside the asked range [{_instant(window.start)}, "
                f"{_instant(window.end)}): pass the next_cursor of the previous page"
            )
        return moment, end if end is not None else window.end

    def _read(
        self,
        symbol: str,
        timeframe: Timeframe,
        first: Bound | None,
        last: Bound | None,
        derived: bool,
        count: int,
    ) -> list[Bar]:
        """At most ``count`` bars from ``first`` on, with the store's cursor (and its
        pooled connection) released before this returns, not when the iterator is
        collected."""
        stream = self._stream(symbol, timeframe, first, last, SessionKind.ETH, derived)
        try:
            return list(islice(stream, count))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    def _stream(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None,
        end: Bound | None,
        session: SessionKind,
        derived: bool,
    ) -> Iterator[Bar]:
        resolved = self._resolve(timeframe, start, end, session)
        if not derived:
            return self._repository.bars(symbol, timeframe, resolved.window)
        regular = self._regular_sessions(resolved.sessions)
        if self._rollups is not None:
            return self._rollups.rolled_up(symbol, timeframe, resolved.window, regular)
        return self._roll_up_here(symbol, timeframe, resolved.window, regular)

    def window(
        self,
        timeframe: Timeframe,
        start: Bound | None,
        end: Bound | None,
        session: SessionKind = SessionKind.ETH,
    ) -> Interval:
        """The UTC window, on the slot grid, that a range resolves to."""
        return self._resolve(timeframe, start, end, session).window

    def _resolve(
        self, timeframe: Timeframe, start: Bound | None, end: Bound | None, session: SessionKind
    ) -> ResolvedRange:
        return resolve_range(self._calendar, session, timeframe, start, end, self._clock.now())

    def _regular_sessions(self, sessions: list[Session]) -> list[Session]:
        """Daily bars roll up the regular-hours minutes of each session."""
        if not sessions:
            return []
        return self._calendar.sessions(sessions[0].date, sessions[-1].date, SessionKind.RTH)

    def _roll_up_here(
        self, symbol: str, timeframe: Timeframe, window: Interval, regular: list[Session]
    ) -> Iterator[Bar]:
        """Roll up in Python, for stores that do not compute roll-ups themselves."""
        minutes_window = Interval(
            min([window.start, *(s.open for s in regular)]),
            max([window.end, *(s.close for s in regular)]),
        )
        minutes = self._repository.bars(symbol, Timeframe.M1, minutes_window)
        return (bar for bar in roll_up(minutes, timeframe, regular) if window.contains(bar.start))


#: Bars adjusted together when a stream is read on a basis.
_BATCH = 10_000


def _spans(window: Interval, timeframe: Timeframe, slots: int) -> Iterator[Interval]:
    """``window`` cut into consecutive spans of at most ``slots`` slots each."""
    width = timeframe.step * slots
    start = window.start
    while start < window.end:
        end = min(start + width, window.end)
        yield Interval(start, end)
        start = end


def _instant(bound: Bound | None) -> str:
    """A moment as a cursor reads (``2024-11-25T14:30:00Z``)."""
    return iso_utc(bound) if isinstance(bound, datetime) else str(bound)
