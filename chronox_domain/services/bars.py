"""Reading stored bars for a range given the way users give ranges: as a stream, a page
after a cursor, or chunks of a bounded size."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice

from chronox_domain.bar import Bar
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidRange
from chronox_domain.interval import Interval, intersect
from chronox_domain.ports import BarRollups, Clock, MarketDataRepository, TradingCalendar
from chronox_domain.ranges import Bound, ResolvedRange, resolve_range
from chronox_domain.rollup import roll_up
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


@dataclass(frozen=True, slots=True)
class BarTable:
    """The stored bars of a range, read in bulk as columns."""

    symbol: str
    timeframe: Timeframe
    provenance: Provenance
    columns: BarColumns


@dataclass(frozen=True, slots=True)
class BarPage:
    """At most ``limit`` bars of a range, and where the next page starts."""

    symbol: str
    timeframe: Timeframe
    provenance: Provenance
    bars: list[Bar]
    #: The start of the first bar of the next page; None on the last page.
    next_cursor: datetime | None


class BarsService:
    """Stored bars for a range, or bars rolled up from 1m for timeframes never fetched.

    Date bounds resolve against extended hours unless a session is named: the widest a
    session date can hold."""

    def __init__(
        self,
        repository: MarketDataRepository,
        calendar: TradingCalendar,
        clock: Clock,
        rollups: BarRollups | None = None,
    ) -> None:
        self._repository = repository
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
    ) -> Iterator[Bar]:
        """Stored bars of the range, streamed in start order."""
        symbol = parse_symbol(symbol)
        derived = self.provenance(symbol, timeframe).derived
        return self._stream(symbol, timeframe, start, end, session, derived)

    def series(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind = SessionKind.ETH,
    ) -> BarSeries:
        """The bars of the range as a stream, with where they come from."""
        symbol = parse_symbol(symbol)
        provenance = self.provenance(symbol, timeframe)
        stream = self._stream(symbol, timeframe, start, end, session, provenance.derived)
        return BarSeries(symbol, timeframe, provenance, stream)

    def table(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        session: SessionKind | None = None,
    ) -> BarTable:
        """The bars of the range as columns, with where they come from. With a
        ``session``, the range resolves against it and only the bars inside its sessions
        are kept (regular hours: no pre- or post-market bars); without, every stored bar
        of the range (resolved against extended hours, as :meth:`bars`).

        A stored timeframe is the store's bulk read; roll-ups (one bar per bucket, far
        fewer) are gathered into columns from the same stream as :meth:`bars`."""
        symbol = parse_symbol(symbol)
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
        return BarTable(symbol, timeframe, provenance, columns)

    def tables(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        slots: int,
    ) -> Iterator[BarTable]:
        """The range as consecutive tables of at most ``slots`` slots of ``timeframe``
        each (so at most ``slots`` bars), in start order: what a file of any length is
        written from while only one table is held. A stored timeframe is one bulk read
        per table, a roll-up one query per table (as :meth:`chunks`); no store cursor
        stays open between tables.

        The first table is read by this call, so bad input raises here rather than in
        the middle of a stream. A range with no bars yields one empty table."""
        symbol = parse_symbol(symbol)
        provenance = self.provenance(symbol, timeframe)
        if provenance.derived:
            parts: Iterator[BarColumns] = (
                BarColumns.from_bars(symbol, timeframe, chunk)
                for chunk in self.chunks(symbol, timeframe, start, end, size=slots)
            )
        else:
            window = self._resolve(timeframe, start, end, SessionKind.ETH).window
            parts = (
                self._repository.bar_columns(symbol, timeframe, part)
                for part in _spans(window, timeframe, slots)
            )
        first = next(parts, None) or BarColumns.empty(symbol, timeframe)
        return (
            BarTable(symbol, timeframe, provenance, columns)
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
    ) -> BarPage:
        """At most ``limit`` bars from ``cursor`` on (the page's first bar; the start of
        the range without one), and the cursor of the page after.

        One bar more than the page is read, so that the last page says so. A cursor
        outside the range raises ``InvalidRange``."""
        symbol = parse_symbol(symbol)
        provenance = self.provenance(symbol, timeframe)
        first, last = self._resume(timeframe, start, end, cursor)
        found = self._read(symbol, timeframe, first, last, provenance.derived, limit + 1)
        following = found[limit].start if len(found) > limit else None
        return BarPage(symbol, timeframe, provenance, found[:limit], following)

    def chunks(
        self,
        symbol: str,
        timeframe: Timeframe,
        start: Bound | None = None,
        end: Bound | None = None,
        *,
        size: int,
        cursor: Bound | None = None,
    ) -> Iterator[list[Bar]]:
        """The range (from ``cursor`` on, when given) in lists of at most ``size`` bars,
        one query each, released before its chunk is handed out: a slow reader holds one
        chunk of memory, never a store connection.

        The first chunk is read by this call, so bad input raises here rather than in
        the middle of a stream."""
        symbol = parse_symbol(symbol)
        derived = self.provenance(symbol, timeframe).derived
        first, last = self._resume(timeframe, start, end, cursor)
        head = self._read(symbol, timeframe, first, last, derived, size + 1)
        return self._chunks_from(head, symbol, timeframe, last, derived, size)

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
