"""The coverage matrix of the registry: which symbols, on which sessions, are complete
(:mod:`chronox_domain.matrix` says how a cell is read).

Built for the whole universe at once: one ledger query for every row
(``coverage_within``) and one grouped bar count per (symbol, session) (``bar_counts``),
never a query per symbol. Symbols whose ledgers hold the same spans (a day file's span
is the same object in every ticker's ledger as the stores read them) share the work of
dividing their sessions into classes; only their bar counts differ.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from chronox_domain.actions import ListingPeriod
from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.interval import Interval
from chronox_domain.matrix import (
    CODE,
    CoverageMatrix,
    DaySlots,
    MatrixRow,
    cell_state,
    completeness,
    day_slots,
    percent,
    row_slots,
    settled_state,
)
from chronox_domain.ports import (
    Clock,
    Listings,
    MarketDataRepository,
    SymbolRegistry,
    TradingCalendar,
)
from chronox_domain.services.status import demo_data
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

#: Sessions a matrix shows by default, and at most.
DEFAULT_SESSIONS = 20
MAX_SESSIONS = 260
#: Sessions a matrix of rows without cells reads at most: ten years.
MAX_ROW_SESSIONS = 2_600


@dataclass(frozen=True, slots=True)
class _Template:
    """A row as far as the ledger decides it: the codes of its cells ("?" where the bars
    decide), the cells the bars decide, its percents and its completeness. Rows whose
    ledgers hold the same spans, listed alike, share one."""

    codes: list[str]
    #: (day, final slots) of each cell wholly final: empty, holed or whole by its bars.
    settled: tuple[tuple[int, int], ...]
    #: (day, slots) of each cell final and provisional at once: its final part's bars.
    settling: tuple[tuple[int, DaySlots], ...]
    percent: tuple[int, ...]
    #: Slots covered final or provisional, of those owed.
    covered: int
    owed: int

    @property
    def complete(self) -> float:
        return completeness(self.covered, self.owed)

    @property
    def decided(self) -> bool:
        return not self.settled and not self.settling


class CoverageMatrixService:
    def __init__(
        self,
        repository: MarketDataRepository,
        registry: SymbolRegistry,
        calendar: TradingCalendar,
        clock: Clock,
        listings: Listings | None = None,
    ) -> None:
        """``listings`` None: every symbol traded every session."""
        self._repository = repository
        self._registry = registry
        self._calendar = calendar
        self._clock = clock
        self._listings = listings

    def matrix(
        self,
        timeframe: Timeframe,
        session: SessionKind,
        sessions: int = DEFAULT_SESSIONS,
        start: date | None = None,
        end: date | None = None,
        prefix: str | None = None,
        *,
        own_session: bool = False,
        cells: bool = True,
    ) -> CoverageMatrix:
        """The registry symbols of ``timeframe`` (those starting with ``prefix``, in any
        case), sorted, against the last ``sessions`` sessions up to today, or the
        sessions dated ``start`` to ``end`` (at most :data:`MAX_SESSIONS`).

        ``own_session``: the rows are instead the registry symbols registered for
        ``session``, whatever their timeframes: what the monitor's symbols panel shows,
        every symbol in its own session and the chart's timeframe, with one matrix per
        session kind.

        ``cells`` False: each row's counts alone, for up to :data:`MAX_ROW_SESSIONS`
        sessions; its ``codes`` and ``percent`` are empty, and no bar is read (a cell's
        state needs its bars, a row's share does not)."""
        days = self.days(session, sessions, start, end, MAX_SESSIONS if cells else MAX_ROW_SESSIONS)
        names = self._symbols(timeframe, session if own_session else None, prefix)
        until = timeframe.floor(self._clock.now())
        windows = [slot_window(day, timeframe) for day in days]
        ended = [Interval(w.start, min(w.end, until)) if until > w.start else None for w in windows]
        whole = Interval(windows[0].start, windows[-1].end)
        ledgers = self._repository.coverage_within(names, timeframe, whole) if names else {}
        listings = self._listings.listings(names) if self._listings and names else {}

        templates: dict[tuple[object, ...], _Template] = {}
        shapes: dict[tuple[int, ...], list[DaySlots | None]] = {}
        sources: set[str] = set()
        chosen: list[tuple[str, _Template]] = []
        for name in names:
            spans = ledgers.get(name, [])
            # Spans read once are shared between ledgers: their identities key the shape.
            shape = tuple(map(id, spans))
            slots = shapes.get(shape)
            if slots is None:
                slots = shapes[shape] = day_slots(ended, spans, timeframe)
                sources.update(span.source for span in spans)
            listed = _listed(listings.get(name), days)
            key = (shape, listed)
            template = templates.get(key)
            if template is None:
                template = templates[key] = _template(slots, listed)
            chosen.append((name, template))

        if not cells:
            rows = [MatrixRow(name, "", (), t.complete, t.covered, t.owed) for name, t in chosen]
            return CoverageMatrix(
                timeframe, session, tuple(d.date for d in days), rows, demo_data(sources)
            )
        bars = _FinalBars(self._repository, timeframe, ended, chosen)
        rows = [
            MatrixRow(
                name,
                bars.codes(name, template),
                template.percent,
                template.complete,
                template.covered,
                template.owed,
            )
            for name, template in chosen
        ]
        return CoverageMatrix(
            timeframe, session, tuple(d.date for d in days), rows, demo_data(sources)
        )

    def days(
        self,
        session: SessionKind,
        sessions: int,
        start: date | None,
        end: date | None,
        most: int = MAX_SESSIONS,
    ) -> list[Session]:
        """The matrix's sessions, ascending: ``start`` to ``end`` when ``start`` is given
        (to today without ``end``; at most ``most``), else the last ``sessions`` up to
        ``end`` or today."""
        if not 1 <= sessions <= MAX_SESSIONS:
            raise InvalidInput(f"sessions must be 1 to {MAX_SESSIONS}, not {sessions}")
        calendar = self._calendar
        for bound in (start, end):
            if bound is not None and not calendar.first_date <= bound <= calendar.last_date:
                raise InvalidRange(
                    f"{bound} is outside the {calendar.name} calendar "
                    f"({calendar.first_date} .. {calendar.last_date})"
                )
        today = self._clock.now().astimezone(calendar.timezone).date()
        last = end if end is not None else min(today, calendar.last_date)
        if start is not None:
            if last < start:
                raise InvalidRange(f"no trading sessions between {start} and {last}")
            found = calendar.sessions(start, last, session)
            if len(found) > most:
                raise InvalidRange(
                    f"{start} to {last} holds {len(found)} sessions; a matrix shows at most {most}"
                )
        else:
            # Weekends and holidays: twice the sessions in days always holds them.
            span = 2 * sessions + 14
            far = (last - calendar.first_date).days <= span
            first = calendar.first_date if far else last - timedelta(days=span)
            found = calendar.sessions(first, last, session)[-sessions:] if first <= last else []
            start = first
        if not found:
            raise InvalidRange(f"no trading sessions between {start} and {last}")
        return found

    def _symbols(
        self, timeframe: Timeframe, session: SessionKind | None, prefix: str | None
    ) -> list[str]:
        """Those registered for ``session`` when given, else for ``timeframe``."""
        wanted = (prefix or "").strip().upper()
        return sorted(
            entry.symbol
            for entry in self._registry.entries()
            if (entry.session is session if session else timeframe in entry.timeframes)
            and entry.symbol.startswith(wanted)
        )


def _listed(listing: ListingPeriod | None, days: Sequence[Session]) -> tuple[bool, ...] | None:
    """Whether the symbol traded each of ``days``; None: all of them (a listing period
    is one stretch of dates: both ends inside it hold everything between)."""
    if listing is None or (listing.trades_on(days[0].date) and listing.trades_on(days[-1].date)):
        return None
    return tuple(listing.trades_on(day.date) for day in days)


def _template(slots: Sequence[DaySlots | None], listed: tuple[bool, ...] | None) -> _Template:
    flags = listed or (True,) * len(slots)
    codes: list[str] = []
    settled: list[tuple[int, int]] = []
    settling: list[tuple[int, DaySlots]] = []
    for day, (cell, ok) in enumerate(zip(slots, flags, strict=True)):
        if cell is not None and ok and cell.needs_bars:
            if cell.provisional:
                settling.append((day, cell))
            else:
                settled.append((day, cell.final))
            codes.append("?")
        else:
            codes.append(CODE[cell_state(cell, ok, None)])
    return _Template(
        codes,
        tuple(settled),
        tuple(settling),
        tuple(percent(day, ok) for day, ok in zip(slots, flags, strict=True)),
        *row_slots(list(zip(slots, flags, strict=True))),
    )


class _FinalBars:
    """The stored bars inside the final pieces of every cell whose state depends on
    them, counted with one grouped query per (symbol, session). A cell final and
    provisional at once (a session being settled) needs its final part alone: those
    are counted with one more grouped query, over the sessions cut at every bound of
    such cells' final pieces, and summed per cell."""

    def __init__(
        self,
        repository: MarketDataRepository,
        timeframe: Timeframe,
        ended: Sequence[Interval | None],
        chosen: Sequence[tuple[str, _Template]],
    ) -> None:
        self._column = {d: i for i, d in enumerate(d for d, w in enumerate(ended) if w)}
        windows = [window for window in ended if window is not None]
        counted = [name for name, template in chosen if not template.decided]
        self._whole = repository.bar_counts(counted, timeframe, windows) if counted else {}
        mixed = [name for name, template in chosen if template.settling]
        bounds = {
            bound
            for _, template in chosen
            for _, slots in template.settling
            for piece in slots.final_pieces
            for bound in (piece.start, piece.end)
        }
        edges = sorted(bounds.union(b for window in windows for b in (window.start, window.end)))
        self._cuts = [Interval(a, b) for a, b in pairwise(edges)]
        self._starts = [cut.start for cut in self._cuts]
        self._cut_counts = repository.bar_counts(mixed, timeframe, self._cuts) if mixed else {}
        self._settled: dict[tuple[int, int], str] = {}

    def codes(self, name: str, template: _Template) -> str:
        if template.decided:
            return "".join(template.codes)
        codes = template.codes.copy()
        counts = self._whole.get(name)
        column, settled = self._column, self._settled
        for day, final in template.settled:
            # A universe's cells repeat a few (slots, bars) pairs: each is read once.
            pair = (final, counts[column[day]] if counts else 0)
            code = settled.get(pair)
            if code is None:
                code = settled[pair] = CODE[settled_state(*pair)]
            codes[day] = code
        for day, slots in template.settling:
            codes[day] = CODE[cell_state(slots, True, self._final_bars(name, slots))]
        return "".join(codes)

    def _final_bars(self, name: str, slots: DaySlots) -> int:
        """The bars of ``name`` inside a settling cell's final pieces."""
        counts = self._cut_counts.get(name)
        if not counts:
            return 0
        total = 0
        for piece in slots.final_pieces:
            first = bisect_left(self._starts, piece.start)
            last = bisect_left(self._starts, piece.end)
            total += sum(counts[first:last])
        return total
