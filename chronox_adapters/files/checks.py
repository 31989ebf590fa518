"""What a file's rows must agree on before any of them is served.

Parsing reads each row on its own; some faults only show between rows of one series, or
between a row and its timeframe's grid:

* a start off the grid (``14:30:30`` in a minute file): no slot holds such a bar, and
  chronox cannot say what the file meant (seconds bars? a shifted clock?);
* two rows for one slot with different values: the file contradicts itself.

Either refuses the whole file, naming the lines, as a cell that does not parse does:
the file needs fixing, and storing the rest would record it as an answer. Two identical
rows for one slot are one bar (files get concatenated twice) and are kept once.

Line numbers are not kept while parsing (a vendor file has millions of rows); the
file is read a second time to find them, which happens at most once, on the way out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from chronox_domain.bar import Bar
from chronox_domain.timeframe import EPOCH, Timeframe

_START = attrgetter("start")

Series = dict[tuple[str, Timeframe], list[Bar]]
#: Which bar a row is: (symbol, timeframe, start).
RowKey = tuple[str, Timeframe, datetime]
#: The key of each row of the file with its line number, in file order.
RowKeys = Callable[[], Iterator[tuple[int, RowKey]]]


@dataclass(frozen=True, slots=True)
class Fault:
    """One bar of the file that cannot be served, and why."""

    key: RowKey
    off_grid: bool

    def describe(self, lines: list[int]) -> str:
        """What follows ``path:`` in the error: the first line, then the fault. No line
        when the file could not be read again (a pipe)."""
        symbol, timeframe, start = self.key
        first = f"{lines[0]}:" if lines else ""
        if self.off_grid:
            return f"{first} {symbol} start {start.isoformat()} is not on the {timeframe} grid"
        where = f" (lines {', '.join(map(str, lines))})" if lines else ""
        return (
            f"{first} {symbol} {timeframe} {start.isoformat()} has conflicting rows{where}; "
            "keep one of them"
        )


def settle(series: Series) -> Fault | None:
    """Sort each series by start and drop repeated identical rows, in place.

    Returns the first fault found (the file is refused for it), or None.
    """
    # Rows share their start objects (parsing makes one per distinct text), so the grid
    # is checked once per distinct start and timeframe, not once per row.
    starts_of: dict[Timeframe, set[datetime]] = {}
    for (_, timeframe), bars in series.items():
        bars.sort(key=_START)  # files are nearly always in order: timsort makes this O(n)
        starts = list(map(_START, bars))
        starts_of.setdefault(timeframe, set()).update(starts)
        if any(map(datetime.__eq__, starts, starts[1:])):
            fault = _drop_identical(bars)
            if fault is not None:
                return fault
    for timeframe, starts_seen in starts_of.items():
        step = timeframe.step
        off = [start for start in starts_seen if (start - EPOCH) % step]
        if off:
            return _off_grid(series, timeframe, min(off))
    return None


def lines_of(fault: Fault, rows: RowKeys) -> list[int]:
    """The line numbers of the rows ``fault`` is about (at most the first ten)."""
    found = [number for number, key in rows() if key == fault.key]
    return found[:10]


def _off_grid(series: Series, timeframe: Timeframe, start: datetime) -> Fault:
    """The fault of the first symbol with a ``timeframe`` bar at ``start`` (off the grid)."""
    holders = (
        symbol
        for (symbol, frame), bars in series.items()
        if frame is timeframe and any(bar.start == start for bar in bars)
    )
    return Fault((min(holders), timeframe, start), off_grid=True)


def _drop_identical(bars: list[Bar]) -> Fault | None:
    kept: list[Bar] = []
    for bar in bars:
        if kept and kept[-1].start == bar.start:
            if kept[-1] != bar:
                return Fault((bar.symbol, bar.timeframe, bar.start), off_grid=False)
            continue
        kept.append(bar)
    bars[:] = kept
    return None
