"""Day files: the vendor's whole market, one file per session (its "flat files").

A day file holds every ticker's aggregates of one session: minutes (extended hours
included) or one daily bar per ticker. :class:`DayFiles` is the port a source of such
files satisfies; :mod:`chronox_domain.services.flatfiles` plans and ledgers them.

Flat files, the vendor's REST with ``adjusted=false`` and its live feed are one basis
(as traded): a day filled from a file and the next from REST form one series. The
ledger still says which source answered each span (``flatfiles`` or ``polygon``), and
a file's spans carry its ETag, so that a republished file is read again and an
unchanged one never.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from chronox_domain.bar import Bar
from chronox_domain.columns import UNKNOWN_TRADES, nanoseconds
from chronox_domain.timeframe import Timeframe

#: The source name the ledger records for what a day file answered.
FLATFILES = "flatfiles"

#: Sources that answer on the same basis (as traded) for the same vendor: the ledger
#: may hold a symbol's spans from any of them, and they fill one series.
RAW_BASIS = frozenset({"polygon", FLATFILES})


class DayFileKind(enum.Enum):
    """The vendor's two aggregate files (the path segment names them)."""

    MINUTES = "minute_aggs_v1"
    DAYS = "day_aggs_v1"

    @classmethod
    def for_timeframe(cls, timeframe: Timeframe) -> DayFileKind:
        """Daily bars come from day files; every intraday timeframe from the minutes
        (5m, 15m and 1h rolled up by the domain's roll-up)."""
        return cls.DAYS if timeframe is Timeframe.D1 else cls.MINUTES


@dataclass(frozen=True, slots=True)
class DayFile:
    """A published day file: the version the source holds now."""

    day: date
    kind: DayFileKind
    #: The object's ETag: another one means the file was republished.
    etag: str


@dataclass(frozen=True, slots=True)
class DayFileMissing:
    """A day whose file the source does not give (not yet published, outside the plan's
    history, not entitled: the vendor's 403 does not say which), in its own words."""

    day: date
    kind: DayFileKind
    reason: str


@dataclass(frozen=True, slots=True)
class TickerRows:
    """One ticker's rows of a day file as columns (1m rows of a minute file, 1d rows of a
    day file), in file order, unchecked: duplicates, off-grid stamps and broken
    invariants are the domain's to find (:mod:`chronox_domain.flatfile_day`).

    Columns, not a :class:`Bar` per row: a whole-market minute file is two million
    rows, and an object per row cost more than reading the file. A field the source
    could not read is a value the domain rejects: NaN for a price or a volume, 0 (the
    epoch, outside every session) for a stamp.
    """

    ticker: str
    #: Each row's ``window_start``: nanoseconds since the UTC epoch (``'q'``).
    start_ns: array[int]
    open: array[float]
    high: array[float]
    low: array[float]
    close: array[float]
    volume: array[float]
    #: The rows' trade counts, :data:`UNKNOWN_TRADES` where the file gave none (``'q'``).
    trades: array[int]

    def __post_init__(self) -> None:
        n = len(self.start_ns)
        columns = (self.open, self.high, self.low, self.close, self.volume, self.trades)
        if any(len(column) != n for column in columns):
            raise ValueError(f"the rows of {self.ticker!r} have columns of unequal lengths")

    def __len__(self) -> int:
        return len(self.start_ns)

    @classmethod
    def from_bars(cls, ticker: str, bars: Iterable[Bar]) -> TickerRows:
        """The rows of ``bars`` (in their order): for sources and tests that hold bars."""
        rows = list(bars)
        return cls(
            ticker,
            array("q", [nanoseconds(bar.start) for bar in rows]),
            array("d", [bar.open for bar in rows]),
            array("d", [bar.high for bar in rows]),
            array("d", [bar.low for bar in rows]),
            array("d", [bar.close for bar in rows]),
            array("d", [bar.volume for bar in rows]),
            array("q", [UNKNOWN_TRADES if bar.trades is None else bar.trades for bar in rows]),
        )


@dataclass(slots=True)
class DayFileRead:
    """A day file being read: its ETag, and its rows a ticker at a time."""

    file: DayFile
    rows: Iterator[TickerRows]


class DayFiles(Protocol):
    """A source of day files (the vendor's S3 endpoint; a fake in unit tests)."""

    name: str

    def head(self, day: date, kind: DayFileKind) -> DayFile | DayFileMissing:
        """The file of ``day`` as published now, without reading it (one cheap request).

        Missing for the source's "not there" (403, 404); raises ``SourceUnavailable``
        when the source cannot answer (after its retries)."""
        ...

    def read(
        self, day: date, kind: DayFileKind, tickers: Collection[str] | None
    ) -> DayFileRead | DayFileMissing:
        """Stream the file of ``day``: the rows of ``tickers`` (None: every ticker), a
        :class:`TickerRows` per run of one ticker's rows (the vendor's files are grouped
        by ticker, so each ticker once; a file that is not yields a ticker again: rows
        of one ticker close together in the file are one run, in their order). Memory
        stays bounded whatever the file's size. ``file.etag`` is the version read.

        Raises ``SourceUnavailable`` when the file cannot be read to its end, and
        ``MalformedData`` for a file that is not the vendor's format."""
        ...
