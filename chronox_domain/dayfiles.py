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
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from chronox_domain.bar import Bar
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
    """One ticker's rows of a day file, as bars (1m for minute files, 1d for day files),
    in file order, unchecked: duplicates, off-grid stamps and broken invariants are the
    domain's to find."""

    ticker: str
    bars: list[Bar]


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
        by ticker, so each ticker once; a file that is not yields a ticker again). Memory
        stays bounded whatever the file's size. ``file.etag`` is the version read.

        Raises ``SourceUnavailable`` when the file cannot be read to its end, and
        ``MalformedData`` for a file that is not the vendor's format."""
        ...
