"""The coverage matrix: symbols x trading sessions, each cell the state of one symbol's
session, as the universe view of a dashboard draws it.

A cell is read over the session's expected slots that have ended, each slot in exactly
one class as :func:`chronox_domain.summary.summarize` counts them (final, then
provisional, then unconfirmed, else missing; a slot a span ends inside is missing). Its
state:

* ``pending`` when no slot of the session has ended yet;
* ``unlisted`` when the symbol did not trade that session (its listing period);
* ``empty`` when every slot is covered final and the store holds no bar there
  (confirmed empty: a ticker absent from a complete day file);
* else the worst class present: ``gap`` (a slot no span covers) > ``unconfirmed``
  (answered empty once) > ``hole`` (covered final, no bar) > ``provisional`` > ``final``.

Its percent is the share of those slots covered final or provisional, floored; a row's
``complete`` the same share over all its cells, floored to a tenth, so that 100 means
nothing is missing. A row also carries the two counts exactly (``covered`` of ``owed``
slots): the share :func:`chronox_domain.summary.summarize` gives for the same sessions,
``None`` where nothing is owed, and what rows of consecutive ranges add up to.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chronox_domain.coverage import CoverageSpan, CoverageStatus, of_status, unconfirmed
from chronox_domain.interval import Interval, IntervalList, intersect, subtract
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe


class CellState(enum.Enum):
    FINAL = "final"
    PROVISIONAL = "provisional"
    UNCONFIRMED = "unconfirmed"
    HOLE = "hole"
    GAP = "gap"
    UNLISTED = "unlisted"
    EMPTY = "empty"
    PENDING = "pending"


#: The states in the order of their codes: a cell's code is its state's index here.
STATES: tuple[CellState, ...] = tuple(CellState)
#: Each state's code: one character.
CODE: dict[CellState, str] = {state: str(index) for index, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class DaySlots:
    """How the ended expected slots of one session divide, by class."""

    final: int
    provisional: int
    unconfirmed: int
    missing: int
    #: The final-covered part of those slots: where a missing bar is a hole.
    final_pieces: tuple[Interval, ...]

    @property
    def owed(self) -> int:
        return self.final + self.provisional + self.unconfirmed + self.missing

    @property
    def covered(self) -> int:
        return self.final + self.provisional

    @property
    def needs_bars(self) -> bool:
        """Whether the state depends on the bars: nothing worse than a hole is there,
        and some slot is final."""
        return self.missing == 0 and self.unconfirmed == 0 and self.final > 0


def day_slots(
    ended: Sequence[Interval | None], spans: Sequence[CoverageSpan], timeframe: Timeframe
) -> list[DaySlots | None]:
    """Each session's ended slot window (None: none has ended) divided by ``spans``
    (sorted by start). The windows are sorted and disjoint, and may touch (daily slots):
    every piece the algebra makes lies in one window, so the whole range is divided
    once, and its pieces handed to their sessions."""
    windows = [window for window in ended if window is not None]
    final = intersect(windows, of_status(spans, CoverageStatus.FINAL))
    rest = subtract(windows, final)
    provisional = intersect(rest, of_status(spans, CoverageStatus.PROVISIONAL))
    rest = subtract(rest, provisional)
    waiting = intersect(rest, unconfirmed(spans))
    by_class = [_by_window(windows, pieces) for pieces in (final, provisional, waiting)]
    found: list[DaySlots | None] = []
    index = 0
    for window in ended:
        if window is None:
            found.append(None)
            continue
        f, p, u = (_slots(pieces[index], timeframe) for pieces in by_class)
        # The rest of the window's slots, not the slots of what is left: a slot that a
        # span ends inside lies in no class, and is owed all the same (missing).
        owed = _slots([window], timeframe)
        found.append(DaySlots(f, p, u, owed - f - p - u, tuple(by_class[0][index])))
        index += 1
    return found


def cell_state(slots: DaySlots | None, listed: bool, final_bars: int | None) -> CellState:
    """The state of one cell; ``final_bars``: the stored bars inside its final pieces
    (None where :attr:`DaySlots.needs_bars` is False: the state does not depend on it)."""
    if slots is None or slots.owed == 0:
        return CellState.PENDING
    if not listed:
        return CellState.UNLISTED
    if slots.missing:
        return CellState.GAP
    if slots.unconfirmed:
        return CellState.UNCONFIRMED
    if slots.final and not slots.provisional:
        return settled_state(slots.final, final_bars or 0)
    if slots.final and (final_bars or 0) < slots.final:
        return CellState.HOLE
    return CellState.PROVISIONAL if slots.provisional else CellState.FINAL


def settled_state(final: int, bars: int) -> CellState:
    """A session whose ``final`` ended slots are all covered final, by the ``bars``
    stored in them: confirmed empty, holed or whole."""
    if bars == 0:
        return CellState.EMPTY
    return CellState.HOLE if bars < final else CellState.FINAL


def percent(slots: DaySlots | None, listed: bool) -> int:
    """The covered share of the cell's owed slots, 0-100, floored; 0 where nothing is
    owed (pending, unlisted)."""
    if slots is None or not listed or slots.owed == 0:
        return 0
    return 100 * slots.covered // slots.owed


def row_slots(cells: Sequence[tuple[DaySlots | None, bool]]) -> tuple[int, int]:
    """(covered, owed): a row's slots covered final or provisional, of those owed (the
    ended slots of its listed sessions)."""
    owed = covered = 0
    for slots, listed in cells:
        if slots is not None and listed:
            owed += slots.owed
            covered += slots.covered
    return covered, owed


def complete(cells: Sequence[tuple[DaySlots | None, bool]]) -> float:
    """The covered share of a row's owed slots, 0-100 floored to a tenth (100.0 only
    when nothing is missing; also when nothing is owed)."""
    return completeness(*row_slots(cells))


def completeness(covered: int, owed: int) -> float:
    """``covered`` of ``owed`` slots, 0-100 floored to a tenth; 100.0 when none is owed."""
    return 100.0 if owed == 0 else math.floor(1000 * covered / owed) / 10


@dataclass(frozen=True, slots=True)
class MatrixRow:
    symbol: str
    #: One character per session: the index of its state in :data:`STATES`.
    codes: str
    percent: tuple[int, ...]
    complete: float
    #: Slots covered final or provisional, of the ``owed`` ones (ended, listed): exact.
    covered: int
    owed: int

    @property
    def cells(self) -> tuple[CellState, ...]:
        return tuple(STATES[int(code)] for code in self.codes)


@dataclass(frozen=True, slots=True)
class CoverageMatrix:
    timeframe: Timeframe
    session: SessionKind
    #: The sessions' dates, ascending: the columns.
    days: tuple[date, ...]
    #: Sorted by symbol.
    rows: list[MatrixRow]
    #: The ledgers read name a source of demo data inside the range.
    demo: bool


def _by_window(windows: Sequence[Interval], pieces: IntervalList) -> list[IntervalList]:
    """``pieces`` (sorted, each inside one of ``windows``) grouped by window."""
    grouped: list[IntervalList] = [[] for _ in windows]
    index = 0
    for piece in pieces:
        while windows[index].end <= piece.start:
            index += 1
        grouped[index].append(piece)
    return grouped


def _slots(pieces: IntervalList, timeframe: Timeframe) -> int:
    # Ledger spans may end off the grid (a file cut mid-slot): whole slots only, as the
    # summary counts them.
    return sum(
        timeframe.slots_in(timeframe.ceil(piece.start), timeframe.floor(piece.end))
        for piece in pieces
        if timeframe.floor(piece.end) > timeframe.ceil(piece.start)
    )


__all__ = [
    "CODE",
    "STATES",
    "CellState",
    "CoverageMatrix",
    "DaySlots",
    "MatrixRow",
    "cell_state",
    "complete",
    "completeness",
    "day_slots",
    "percent",
    "row_slots",
    "settled_state",
]
