"""The files ``BarSource``: bars from a local chronox CSV or vendor flat file.

A file is a snapshot, not a service: it answers only for what its rows prove (see
:mod:`proof`), per session from its first row's slot to its last row's slot end.
Elsewhere an empty answer means "not in this file", never "no trades", so the ledger
does not record those windows as covered.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from operator import attrgetter
from pathlib import Path

from chronox_adapters.files.formats import BarFile, read_bar_file
from chronox_adapters.files.proof import clipped, proven_spans
from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput
from chronox_domain.interval import Interval, IntervalList
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
_START = attrgetter("start")


class FileSource:
    """Serves the bars of one file, read in full on the first fetch and indexed.

    Constructing the source touches nothing, so a bad path surfaces as a one-line
    error from the first ``fetch``. After that, each fetch is a few bisections. Safe to
    share between threads: the file is read once even when fetches race.
    """

    name = "files"
    demo = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: BarFile | None = None
        self._reading = threading.Lock()
        #: What each series proves, worked out on its first fetch (a race only repeats it).
        self._spans: dict[tuple[str, Timeframe], IntervalList] = {}

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        return RequestLimit(MAX_BARS_PER_REQUEST)

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        """Bars of ``symbol`` starting inside ``window``, vouched for what the file proves.

        Raises ``InvalidInput`` when the file cannot be read or (a vendor file, which
        holds one timeframe) has no ``timeframe`` bars; ``MalformedData`` for bad content.
        """
        bar_file = self._bar_file()
        if bar_file.only is not None and timeframe is not bar_file.only:
            raise InvalidInput(
                f"{self.path} holds {_VENDOR_KINDS[bar_file.only]}, not {timeframe} bars"
            )
        key = (parse_symbol(symbol), timeframe)
        series = bar_file.series.get(key)
        if not series:
            return Fetched([], [])
        lo = bisect_left(series, window.start, key=_START)
        hi = bisect_left(series, window.end, lo=lo, key=_START)
        return Fetched(series[lo:hi], clipped(self._proven(key, series), window))

    def _bar_file(self) -> BarFile:
        if self._file is None:
            with self._reading:
                if self._file is None:
                    self._file = read_bar_file(self.path)
        return self._file

    def _proven(self, key: tuple[str, Timeframe], series: list[Bar]) -> IntervalList:
        spans = self._spans.get(key)
        if spans is None:
            spans = self._spans[key] = proven_spans(series, key[1])
        return spans

    def __repr__(self) -> str:
        return f"FileSource({str(self.path)!r})"
