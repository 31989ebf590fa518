"""The vendor's day-file CSV to columns, a ticker's run of rows at a time.

The format (the vendor's flat-files docs): the header
``ticker,volume,open,close,high,low,window_start,transactions`` (close before high, no
vwap), ``window_start`` the bar's start in Unix nanoseconds, ``volume`` an integer, a
decimal (``17798.430378``) from 2026-02-23. No vwap: a bar's vwap is unknown;
``transactions`` is the bar's trade count. Columns are found by the header's names, so
a reordered or widened header still reads; a header without them is refused.

A whole-market minute file is two million rows, so nothing here is done a row at a time
in Python. The text is cut into blocks of whole lines (:data:`BLOCK`); a block is split
on commas once, every column taken out of the split with one slice, and each column's
numbers converted through a table of its distinct texts (a minute file repeats its ~960
stamps across every ticker, and its volumes, counts and prices repeat too): one
``float``/``int`` per distinct text, one C loop per column. A block the quick split
cannot vouch for (a quoted field, a blank line, a row of another width) is read line by
line instead, with the same result.
"""

from __future__ import annotations

import csv
import math
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain, groupby, repeat
from operator import contains
from typing import Generic, TypeVar

from chronox_domain.columns import UNKNOWN_TRADES, nanoseconds
from chronox_domain.dayfiles import TickerRows
from chronox_domain.errors import MalformedData
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import EPOCH, Timeframe

COLUMNS = ("ticker", "volume", "open", "close", "high", "low", "window_start", "transactions")
#: Characters of text parsed at a time (about 70,000 minute rows): each column is one C
#: loop over that many values, and memory stays a few blocks whatever the file's size.
BLOCK = 4 << 20
#: Up to this many asked tickers, a block that names none of them is not even split.
_FEW = 16
_INT64 = 1 << 63
#: A trade count that is no count: its row is made unreadable (a NaN open).
_BAD_COUNT = UNKNOWN_TRADES - 1
_T = TypeVar("_T", int, float)
#: A column is converted through a table of its distinct texts when a sample of this
#: many texts repeats each about this many times or more.
_SAMPLE = 2_000
_REPEATS = 4


def ticker_rows(
    texts: Iterable[str], timeframe: Timeframe, day: date, tickers: Collection[str] | None
) -> Iterator[TickerRows]:
    """The rows of the file whose text is ``texts`` (its pieces, cut anywhere, the
    header first), a run of one ticker at a time, only ``tickers`` (None: all). Daily
    rows are stamped with ``day`` (the session the file is of) when their
    ``window_start`` falls on it in New York, else kept at their own stamp so that the
    domain rejects them.

    Rows of one ticker are one run when they follow each other in the file; within a
    block, a ticker's rows are gathered in their order wherever they stand (the vendor's
    files are sorted by ticker, but nothing here relies on it: the domain treats a
    ticker met again later as rows not together)."""
    return merged(block.rows() for block in blocks(texts, timeframe, day, tickers))


@dataclass(frozen=True, slots=True)
class Block:
    """One block's rows as columns: each run of one ticker (the ticker, its first row,
    the row after its last) and a typed array per column. What a parser process hands
    over (a few arrays: cheap to pickle, whatever the number of tickers)."""

    runs: list[tuple[str, int, int]]
    start_ns: array[int]
    open: array[float]
    high: array[float]
    low: array[float]
    close: array[float]
    volume: array[float]
    trades: array[int]

    def rows(self) -> list[TickerRows]:
        """A :class:`TickerRows` per run (its arrays sliced out of the block's)."""
        start, o, h, low, c, v, n = (
            self.start_ns, self.open, self.high, self.low, self.close, self.volume,
            self.trades,
        )  # fmt: skip
        return [
            TickerRows(
                name,
                start[lo:hi],
                o[lo:hi],
                h[lo:hi],
                low[lo:hi],
                c[lo:hi],
                v[lo:hi],
                n[lo:hi],
            )
            for name, lo, hi in self.runs
        ]


def blocks(
    texts: Iterable[str], timeframe: Timeframe, day: date, tickers: Collection[str] | None
) -> Iterator[Block]:
    """The file's rows (``ticker_rows``'s arguments), a :class:`Block` at a time."""
    pieces = _blocks(texts)
    header = next(pieces, None)
    if header is None:
        raise MalformedData(f"the day file of {day} is empty (no header)")
    reader = _Reader(_columns(header), timeframe, day, tickers)
    for piece in pieces:
        block = reader.block(piece)
        if block is not None:
            yield block


def merged(rows: Iterable[list[TickerRows]]) -> Iterator[TickerRows]:
    """The rows of consecutive blocks, a run cut by a block's end joined again."""
    held: TickerRows | None = None
    for block in rows:
        for run in block:
            if held is not None and held.ticker == run.ticker:
                held = _joined(held, run)
                continue
            if held is not None:
                yield held
            held = run
    if held is not None:
        yield held


def not_text(day: date, error: UnicodeDecodeError) -> MalformedData:
    """The error for a day file whose bytes are not UTF-8 text."""
    return MalformedData(
        f"the day file of {day} is not UTF-8 text ({error.reason} at byte {error.start} of a chunk)"
    )


def _blocks(texts: Iterable[str]) -> Iterator[str]:
    """The header line, then blocks of whole lines (each ending with a newline) of about
    :data:`BLOCK` characters (a longer line is a block of its own)."""
    rest = ""
    header = False
    for text in texts:
        rest += text
        if not header:
            cut = rest.find("\n")
            if cut < 0:
                continue
            header = True
            yield rest[:cut]
            rest = rest[cut + 1 :]
        at = 0
        while len(rest) - at >= BLOCK:
            cut = rest.rfind("\n", at, at + BLOCK) + 1 or rest.find("\n", at + BLOCK) + 1
            if not cut:
                break  # a line longer than a block, not yet whole
            yield rest[at:cut]
            at = cut
        rest = rest[at:]
    if not header:
        if rest:
            yield rest  # a header and nothing else
        return
    if rest:
        yield rest if rest.endswith("\n") else rest + "\n"


def _columns(header: str) -> dict[str, int]:
    names = [name.strip().lower() for name in header.strip().lstrip("\ufeff").split(",")]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise MalformedData(
            f"not the vendor's day file: its header {header.strip()[:120]!r} lacks "
            f"{', '.join(missing)}"
        )
    return {name: names.index(name) for name in COLUMNS} | {"": len(names)}


class _Reader:
    """Blocks of one file to :class:`TickerRows`."""

    def __init__(
        self,
        index: dict[str, int],
        timeframe: Timeframe,
        day: date,
        tickers: Collection[str] | None,
    ) -> None:
        self._index = index
        self._width = index[""]
        self._wanted = None if tickers is None else frozenset(tickers)
        # The texts a block without which is skipped unsplit: a line starting with an
        # asked ticker (the vendor's files start their lines with the ticker).
        self._marks = (
            None
            if self._wanted is None or len(self._wanted) > _FEW or index["ticker"] != 0
            else [f"{ticker}," for ticker in self._wanted]
        )
        self._daily = _daily_stamp(day) if timeframe is Timeframe.D1 else None

    def block(self, block: str) -> Block | None:
        if self._marks is not None and not self._named(block):
            return None
        fields = _split(block, self._width)
        at = self._index
        names = fields[at["ticker"]]
        runs = _runs(names)
        if len(runs) != len({name for name, _, _ in runs}):  # a ticker in two places
            fields = _gathered(fields, names, runs)
            names = fields[at["ticker"]]
            runs = _runs(names)
        if self._wanted is not None:
            runs = [run for run in runs if run[0] in self._wanted]
            if not runs:
                return None
            fields = [_taken(column, runs) for column in fields]
            runs = _restarted(runs)
        # The block's lists of texts are gone before the caller makes an object per
        # ticker: the collector's every pass would walk their millions of items otherwise.
        return Block(runs, *self._numbers(fields))

    def _named(self, block: str) -> bool:
        """Whether ``block`` may hold a row of an asked ticker (a quoted field: maybe)."""
        assert self._marks is not None
        return '"' in block or any(
            block.startswith(mark) or f"\n{mark}" in block for mark in self._marks
        )

    def _numbers(
        self, fields: list[list[str]]
    ) -> tuple[array[int], array[float], array[float], array[float], array[float],
               array[float], array[int]]:  # fmt: skip
        """The block's numbers, a typed array per column: start_ns, open, high, low,
        close, volume, trades."""
        at = self._index
        prices = _Table(_price, quick=float)
        opens = prices.column(fields[at["open"]])
        highs = prices.column(fields[at["high"]])
        lows = prices.column(fields[at["low"]])
        closes = prices.column(fields[at["close"]])
        volumes = _Table(_price, quick=float).column(fields[at["volume"]])
        stamps = _Table(_stamp, self._daily).column(fields[at["window_start"]])
        counts = _Table(_count).column(fields[at["transactions"]])
        if counts and min(counts) < UNKNOWN_TRADES:  # an unreadable count: an unreadable row
            for i, count in enumerate(counts):
                if count == _BAD_COUNT:
                    opens[i], counts[i] = math.nan, UNKNOWN_TRADES
        return (
            array("q", stamps), array("d", opens), array("d", highs), array("d", lows),
            array("d", closes), array("d", volumes), array("q", counts),
        )  # fmt: skip


def _split(block: str, width: int) -> list[list[str]]:
    """The block's fields, a list per column.

    The quick way splits the whole block on commas once: a line's last field and the
    next line's first come out as one piece, ``"57\\nAAPL"``, at every ``width - 1``-th
    place. When there are exactly as many pieces as ``width`` fields a line make, and
    each of those places holds a newline, every line has ``width`` fields (n newlines
    fill n places, one each): the columns are slices of the split."""
    if "\r" in block:
        block = block.replace("\r", "")
    lines = block.count("\n")
    if '"' not in block and width > 1:
        fields = block.split(",")
        step = width - 1
        if len(fields) == lines * step + 1:
            joints = fields[step::step]
            if all(map(contains, joints, repeat("\n"))):
                ends = "\n".join(joints).split("\n")  # last, first, last, ..., last, ""
                first = [fields[0], *ends[1:-1:2]]
                middle = [fields[c : lines * step : step] for c in range(1, step)]
                return [first, *middle, ends[0::2]]
    return _split_slowly(block, width)


def _split_slowly(block: str, width: int) -> list[list[str]]:
    """Line by line: blank lines skipped, quoted fields read as CSV, a short row padded
    with empty fields (unreadable values) and a long one cut to the header's width."""
    rows = []
    for line in block.split("\n"):
        if not line.strip():
            continue
        fields = line.split(",") if '"' not in line else next(csv.reader([line]))
        rows.append((fields + [""] * width)[:width])
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def _runs(names: list[str]) -> list[tuple[str, int, int]]:
    """(ticker, first row, end row) of each run of one ticker, in order."""
    runs = []
    at = 0
    for name, group in groupby(names):
        size = len(list(group))
        runs.append((name, at, at + size))
        at += size
    return runs


def _gathered(
    fields: list[list[str]], names: list[str], runs: list[tuple[str, int, int]]
) -> list[list[str]]:
    """The block's rows gathered by ticker (in the order tickers first appear), each
    ticker's rows in their file order."""
    place: dict[str, int] = {}
    for name, _, _ in runs:
        place.setdefault(name, len(place))
    keys = [place[name] for name in names]
    order = sorted(range(len(names)), key=keys.__getitem__)
    return [list(map(column.__getitem__, order)) for column in fields]


def _taken(column: list[str], runs: list[tuple[str, int, int]]) -> list[str]:
    return list(chain.from_iterable(column[lo:hi] for _, lo, hi in runs))


def _restarted(runs: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """``runs`` renumbered from 0, as :func:`_taken` laid them out."""
    at, moved = 0, []
    for name, lo, hi in runs:
        moved.append((name, at, at + hi - lo))
        at += hi - lo
    return moved


class _Table(Generic[_T]):
    """Texts to numbers, each distinct text converted once (``convert`` never raises:
    an unreadable text gets a value the domain rejects); ``then`` maps the results.

    A column of mostly distinct texts (decimal volumes) is converted text by text
    instead: the table would only add its own cost."""

    def __init__(
        self,
        convert: Callable[[str], _T],
        then: Callable[[_T], _T] | None = None,
        quick: Callable[[str], _T] | None = None,
    ) -> None:
        self._convert: Callable[[str], _T] = convert
        self._then: Callable[[_T], _T] | None = then
        #: The builtin ``convert`` is when the text is readable (raises when not).
        self._quick: Callable[[str], _T] | None = quick
        self._known: dict[str, _T] = {}

    def column(self, texts: list[str]) -> list[_T]:
        known = self._known
        convert, then = self._convert, self._then
        if then is None and not known and _varied(texts):
            if self._quick is not None:
                try:
                    return list(map(self._quick, texts))
                except (ValueError, OverflowError):
                    pass
            return list(map(convert, texts))
        for text in set(texts).difference(known):
            value = convert(text)
            known[text] = value if then is None else then(value)
        return list(map(known.__getitem__, texts))


def _varied(texts: list[str]) -> bool:
    """Whether a column repeats its texts too little for a table to pay (a set of the
    texts costs about what converting them does): judged on a sample."""
    sample = texts[:: max(1, len(texts) // _SAMPLE)]
    return len(set(sample)) * _REPEATS > len(sample)


def _price(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _stamp(text: str) -> int:
    """Nanoseconds, or 0 (the epoch: outside every session) when unreadable."""
    try:
        value = int(text)
    except ValueError:
        return 0
    return value if -_INT64 <= value < _INT64 else 0


def _count(text: str) -> int:
    if not text.strip():
        return UNKNOWN_TRADES
    try:
        value = int(text)
    except ValueError:
        try:
            value = int(float(text))
        except (ValueError, OverflowError):
            return _BAD_COUNT
    return value if 0 <= value < _INT64 else _BAD_COUNT


def _daily_stamp(day: date) -> Callable[[int], int]:
    """A day file's stamp to its daily slot: ``day``'s when it falls on ``day`` in New
    York, else itself (off the grid or outside the session: rejected by the domain)."""
    slot = nanoseconds(Timeframe.D1.daily_stamp(day))
    zone = exchange_timezone()

    def stamped(ns: int) -> int:
        moment = EPOCH + timedelta(microseconds=-(-ns // 1_000))
        return slot if moment.astimezone(zone).date() == day else ns

    return stamped


def _joined(first: TickerRows, then: TickerRows) -> TickerRows:
    return TickerRows(
        first.ticker,
        first.start_ns + then.start_ns,
        first.open + then.open,
        first.high + then.high,
        first.low + then.low,
        first.close + then.close,
        first.volume + then.volume,
        first.trades + then.trades,
    )
