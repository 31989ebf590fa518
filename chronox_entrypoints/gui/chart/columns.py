"""The bars of one series as numpy columns, kept sorted by start and growable at both ends.

Bars arrive three ways: a page of history (``merge``), an older page while the user
scrolls back (``prepend``) and a live bar (``upsert``), usually for the last slot or
the next one. Each column lives in a buffer with spare room before and after the bars,
doubled when full, so appending and prepending cost amortised O(bars added) and the
public arrays are contiguous views, never copies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from chronox_domain.timeframe import EPOCH

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PRICE_FIELDS = ("open", "high", "low", "close", "volume")
FIELDS = ("start_ns", *PRICE_FIELDS, "provisional")
_DTYPES = {"start_ns": np.int64, "provisional": np.bool_} | dict.fromkeys(PRICE_FIELDS, np.float64)
_PRICES = np.dtype([(name, np.float64) for name in PRICE_FIELDS])
_MIN_CAPACITY = 16
_SLICED_INSERTS = 64  # up to this many new rows inside the held range: one memmove each

Block = dict[str, npt.NDArray[Any]]  # one array per field, all of one length


class BarLike(Protocol):
    """What a bar must offer: the API's ``BarOut`` and ``BarEventOut`` do."""

    @property
    def start(self) -> datetime: ...
    @property
    def open(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def close(self) -> float: ...
    @property
    def volume(self) -> float: ...


def epoch_ns(moment: datetime) -> int:
    """Nanoseconds since the UTC epoch of a tz-aware instant, exactly (no float)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


class BarColumns:
    """OHLCV columns of one series, sorted by ``start_ns`` (UTC epoch ns), starts unique."""

    start_ns: Int64Array
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    provisional: BoolArray

    def __init__(self, capacity: int = 0) -> None:
        self._buffers: Block = _empty_block(max(capacity, _MIN_CAPACITY))
        self._lo = 0
        self._hi = 0
        self._bind()

    @classmethod
    def from_arrays(
        cls,
        start_ns: npt.ArrayLike,
        open: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
        provisional: npt.ArrayLike | None = None,
    ) -> BarColumns:
        """Columns from arrays in any order; of two bars with one start, the later wins."""
        starts = np.asarray(start_ns, dtype=np.int64)
        flags = np.zeros(starts.shape[0], bool) if provisional is None else provisional
        values = (starts, open, high, low, close, volume, flags)
        return cls._of_block(_block_of(values))

    @classmethod
    def from_bars(
        cls, bars: Sequence[BarLike | Mapping[str, Any]], provisional: bool = False
    ) -> BarColumns:
        """Columns from bar objects or dicts, all of one kind (``BarOut``, ``BarEventOut``),
        built in bulk: one tuple per bar, no per-bar numpy call.

        A bar's own ``provisional`` field (a bar event's) wins over the default.
        """
        if not bars:
            return cls()
        first = bars[0]
        keyed = isinstance(first, Mapping)

        def get(*names: str) -> Callable[[Any], Any]:
            return itemgetter(*names) if keyed else attrgetter(*names)

        prices = get(*PRICE_FIELDS)
        rows = np.fromiter(map(prices, bars), _PRICES, count=len(bars))
        # A float timestamp holds an instant to well under a microsecond, so rounding
        # to microseconds gives back the exact instant of any datetime.
        stamps = np.fromiter(
            (bar.timestamp() for bar in map(get("start"), bars)), np.float64, count=len(bars)
        )
        has_flag = (
            "provisional" in first if isinstance(first, Mapping) else hasattr(first, "provisional")
        )
        flags = (
            np.fromiter(map(get("provisional"), bars), np.bool_, count=len(bars))
            if has_flag
            else np.full(len(bars), provisional)
        )
        block = {name: rows[name] for name in PRICE_FIELDS}
        block["start_ns"] = np.round(stamps * 1e6).astype(np.int64) * 1_000
        block["provisional"] = flags
        return cls._of_block(block)

    @classmethod
    def _of_block(cls, block: Block) -> BarColumns:
        block = sorted_unique(block)
        columns = cls(capacity=_length(block))
        columns._write(block, 0)
        columns._hi = _length(block)
        columns._bind()
        return columns

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers, spare room included."""
        return sum(int(buffer.nbytes) for buffer in self._buffers.values())

    def block(self) -> Block:
        """The bars held, one view per field."""
        return {name: getattr(self, name) for name in FIELDS}

    def index_of(self, start_ns: int) -> int:
        """Position of the bar starting at ``start_ns``, or -1."""
        i = int(np.searchsorted(self.start_ns, start_ns))
        return i if i < len(self) and int(self.start_ns[i]) == start_ns else -1

    def between(self, start_ns: int, end_ns: int) -> tuple[int, int]:
        """Positions ``[i, j)`` of the bars starting in ``[start_ns, end_ns)``."""
        i, j = np.searchsorted(self.start_ns, [start_ns, end_ns])
        return int(i), int(j)

    def upsert(
        self,
        start_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        provisional: bool = False,
    ) -> int:
        """Put one bar in its slot, replacing a bar with that start; return its position.

        A live bar is for the last slot or a later one: O(1). Any other is put in order.
        """
        row = (start_ns, open, high, low, close, volume, provisional)
        n = len(self)
        if n == 0 or start_ns > int(self.start_ns[n - 1]):
            self._reserve(after=1)
            self._set_row(self._hi, row)
            self._hi += 1
            self._bind()
            return n
        i = self.index_of(start_ns)
        if i >= 0:
            self._set_row(self._lo + i, row)
            return i
        self.merge_block(_block_of([np.array([v]) for v in row]))
        return self.index_of(start_ns)

    def prepend(self, older: BarColumns) -> None:
        """Add a page that starts before the first bar held (scroll-back); else merge it."""
        self.merge_block(older.block())

    def merge(self, page: BarColumns) -> None:
        """Upsert a page of bars anywhere: a bar of the page replaces the one in its slot."""
        self.merge_block(page.block())

    def merge_block(self, block: Block) -> None:
        count = _length(block)
        if count == 0:
            return
        block = sorted_unique(block)
        n = len(self)
        first, last = int(block["start_ns"][0]), int(block["start_ns"][-1])
        if n == 0 or first > int(self.start_ns[-1]):
            self._reserve(after=count)
            self._write(block, self._hi)
            self._hi += count
        elif last < int(self.start_ns[0]):
            self._reserve(before=count)
            self._lo -= count
            self._write(block, self._lo)
        else:
            self._merge_overlapping(block)
        self._bind()

    def _merge_overlapping(self, block: Block) -> None:
        n = len(self)
        positions = np.searchsorted(self.start_ns, block["start_ns"])
        found = np.zeros(positions.shape[0], dtype=bool)
        inside = positions < n
        found[inside] = self.start_ns[positions[inside]] == block["start_ns"][inside]
        # Settled or corrected bars replace their slots in place; only new slots move data.
        for name in FIELDS:
            self._buffers[name][self._lo + positions[found]] = block[name][found]
        if bool(found.all()):
            return
        self._insert(positions[~found], {name: block[name][~found] for name in FIELDS})

    def _insert(self, at: npt.NDArray[np.intp], new: Block) -> None:
        """Insert sorted rows before positions ``at`` (sorted): only the rows after the
        first insertion move, so filling a hole near the end is cheap."""
        n, count = len(self), int(at.shape[0])
        self._reserve(after=count)
        lo = self._lo
        if count <= _SLICED_INSERTS:
            # Each run of old rows moves on by the new rows before it, as one memmove;
            # from the last run back, so nothing is overwritten before it moved.
            ends = [*at.tolist()[1:], n]
            for k in range(count - 1, -1, -1):
                start, end = int(at[k]), ends[k]
                for name in FIELDS:
                    buffer = self._buffers[name]
                    buffer[lo + start + k + 1 : lo + end + k + 1] = buffer[lo + start : lo + end]
                    buffer[lo + start + k] = new[name][k]
        else:
            old = np.arange(int(at[0]), n)
            moved = lo + old + np.searchsorted(at, old, side="right")
            placed = lo + at + np.arange(count)
            for name in FIELDS:
                buffer = self._buffers[name]
                buffer[moved] = buffer[lo + old[0] : lo + n].copy() if old.shape[0] else []
                buffer[placed] = new[name]
        self._hi += count

    def _bind(self) -> None:
        for name in FIELDS:
            setattr(self, name, self._buffers[name][self._lo : self._hi])

    def _set_row(self, at: int, row: tuple[Any, ...]) -> None:
        for name, value in zip(FIELDS, row, strict=True):
            self._buffers[name][at] = value

    def _write(self, block: Block, at: int) -> None:
        for name in FIELDS:
            self._buffers[name][at : at + _length(block)] = block[name]

    def _reserve(self, before: int = 0, after: int = 0) -> None:
        capacity = _length(self._buffers)
        if self._lo >= before and capacity - self._hi >= after:
            return
        n = len(self)
        # Doubling: the room added on the growing side is at least the bars held.
        room_before = max(before, n) if before else self._lo
        room_after = max(after, n) if after else capacity - self._hi
        buffers = _empty_block(max(_MIN_CAPACITY, room_before + n + room_after))
        for name in FIELDS:
            buffers[name][room_before : room_before + n] = getattr(self, name)
        self._buffers, self._lo, self._hi = buffers, room_before, room_before + n
        self._bind()


def _empty_block(capacity: int) -> Block:
    return {name: np.zeros(capacity, _DTYPES[name]) for name in FIELDS}


def _block_of(values: Sequence[npt.ArrayLike]) -> Block:
    return {name: np.asarray(v, _DTYPES[name]) for name, v in zip(FIELDS, values, strict=True)}


def _length(block: Block) -> int:
    return int(block["start_ns"].shape[0])


def sorted_unique(block: Block) -> Block:
    """The block sorted by start; of bars with one start, the last given is kept."""
    starts = block["start_ns"]
    if starts.shape[0] < 2 or bool(np.all(starts[1:] > starts[:-1])):
        return block
    order = np.argsort(starts, kind="stable")
    ordered = starts[order]
    keep = np.ones(ordered.shape[0], dtype=bool)
    keep[:-1] = ordered[1:] != ordered[:-1]
    chosen = order[keep]
    return {name: values[chosen] for name, values in block.items()}


__all__ = ["FIELDS", "BarColumns", "BarLike", "epoch_ns", "sorted_unique"]
