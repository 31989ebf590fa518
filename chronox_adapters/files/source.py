"""The files ``BarSource``: bars from a local chronox CSV or vendor flat file.

A file is a snapshot, not a service: it answers only for the days it holds. Outside
them an empty answer means "not in this file", never "no trades", so ``vouched`` is
clipped to the file's span and the ledger does not record those windows as empty.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from pathlib import Path

from chronox_adapters.files.formats import NEW_YORK, BarFile, read_bar_file
from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput
from chronox_domain.interval import Interval
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Fetched
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

#: A file has no request limit; planning may ask for any window in one go.
MAX_BARS_PER_REQUEST = 1_000_000

_VENDOR_KINDS = {
    Timeframe.M1: "the vendor's minute aggregates (not every window_start is midnight New York)",
    Timeframe.D1: "the vendor's day aggregates (every window_start is midnight New York)",
}
_DAY = timedelta(days=1)
_START = attrgetter("start")


class FileSource:
    """Serves the bars of one file, read in full on the first fetch and indexed.

    Constructing the source touches nothing, so a bad path surfaces as a one-line
    error from the first ``fetch``. After that, each fetch is two bisections. Safe to
    share between threads: the file is read once even when fetches race.
    """

    name = "files"
    demo = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: BarFile | None = None
        self._reading = threading.Lock()

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        return RequestLimit(MAX_BARS_PER_REQUEST)

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        """Bars of ``symbol`` starting inside ``window``, vouched for the file's span.

        Raises ``InvalidInput`` when the file cannot be read or (a vendor file, which
        holds one timeframe) has no ``timeframe`` bars; ``MalformedData`` for bad content.
        """
        bar_file = self._bar_file()
        if bar_file.only is not None and timeframe is not bar_file.only:
            raise InvalidInput(
                f"{self.path} holds {_VENDOR_KINDS[bar_file.only]}, not {timeframe} bars"
            )
        series = bar_file.series.get((parse_symbol(symbol), timeframe))
        if not series:
            return Fetched([], None)
        lo = bisect_left(series, window.start, key=_START)
        hi = bisect_left(series, window.end, lo=lo, key=_START)
        return Fetched(series[lo:hi], _vouched(series, timeframe, window))

    def _bar_file(self) -> BarFile:
        if self._file is None:
            with self._reading:
                if self._file is None:
                    self._file = read_bar_file(self.path)
        return self._file

    def __repr__(self) -> str:
        return f"FileSource({str(self.path)!r})"


def _vouched(series: list[Bar], timeframe: Timeframe, window: Interval) -> Interval | None:
    """``window`` clipped to the whole days the series spans, or None when disjoint.

    The days are UTC dates (a daily bar's stamp is its session date at 00:00 UTC). An
    intraday series is further clipped to the New York dates it spans, because in
    winter a session's post-market runs until 01:00 UTC of the next day: the UTC day
    of a file's last bar would otherwise vouch for the next session, and the UTC day
    of its first bar for the previous session's post-market, neither of them in the
    file. Clipping only ever vouches for less, never for more.
    """
    first: datetime = series[0].start
    last: datetime = series[-1].start
    start = _utc_midnight(first.date())
    end = _utc_midnight(last.date()) + _DAY
    if timeframe.is_intraday:
        start = max(start, _new_york_midnight(first.astimezone(NEW_YORK).date()))
        end = min(end, _new_york_midnight(last.astimezone(NEW_YORK).date() + _DAY))
    start, end = max(start, window.start), min(end, window.end)
    return Interval(start, end) if start < end else None


def _utc_midnight(day: date) -> datetime:
    return Timeframe.D1.daily_stamp(day)


def _new_york_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).astimezone(UTC)
