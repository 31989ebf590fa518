"""The two file formats, told apart by the header row, parsed straight into ``Bar`` tuples.

* **chronox CSV** — what ``chronox-cli bars --format csv`` prints: one row per bar, each
  naming its own symbol and timeframe, ``start`` in ISO-8601 (a bare date for a daily
  bar is read as that date at 00:00 UTC).
* **the vendor's flat files** (Polygon/Massive aggregates): ``window_start`` in epoch
  nanoseconds, no vwap, and no timeframe column. A minute file stamps the minute's UTC
  start; a day file stamps midnight New York of the session date, which chronox turns
  into the daily stamp (00:00 UTC of that date). The two files share one header, so the
  data tells them apart: a file whose every ``window_start`` is midnight in New York
  holds day aggregates. Reading one as the other would store garbage, so the file knows
  its one timeframe and the source refuses any other.

Parsing is the hot path (a vendor minute file has millions of rows): one ``Bar`` per
row and nothing else per row. Symbols, timeframes and starts repeat across rows, so
each distinct text is parsed once and the result shared. Only parsing happens here;
OHLC invariants are the domain's ``split_valid``'s to check and count; what the rows of
one file must agree on (the grid, one row per slot) is checked in :mod:`checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from chronox_adapters.files.checks import RowKey, Series, lines_of, settle
from chronox_adapters.files.fields import (
    BAD_TEXT,
    CHRONOX_COLUMNS,
    CHRONOX_HEADER,
    VENDOR_COLUMNS,
    VENDOR_HEADER,
    explain,
    iso_start,
    nanosecond_start,
)
from chronox_adapters.files.reading import csv_rows
from chronox_domain.bar import Bar
from chronox_domain.errors import MalformedData
from chronox_domain.session import exchange_timezone
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

if TYPE_CHECKING:
    from _csv import Reader as CsvReader



@dataclass(frozen=True, slots=True)
class BarFile:
    """What one file holds: each (symbol, timeframe) series sorted by start."""

    series: Series
    #: A vendor file holds one timeframe and can answer for no other; None for chronox
    #: CSV (its rows name their own) and for a vendor file without rows.
    only: Timeframe | None = None


def read_bar_file(path: Path) -> BarFile:
    """Parse the whole of ``path``; raises ``InvalidInput`` / ``MalformedData`` (one line).

    Each series comes back sorted by start, one bar per slot (see :mod:`checks`).
    """
    with csv_rows(path) as reader:
        header = next(reader, None)
        columns = tuple(name.strip().lower() for name in header or ())
        if columns == CHRONOX_HEADER:
            bar_file = BarFile(_chronox_rows(reader, path))
        elif columns == VENDOR_HEADER:
            bar_file = _vendor_rows(reader, path)
        else:
            found = f"header {','.join(header)!r}" if header else "no header (empty file)"
            raise MalformedData(
                f"{path}:1: {found}; expected {','.join(CHRONOX_HEADER)!r} (chronox CSV) "
                f"or {','.join(VENDOR_HEADER)!r} (vendor flat file)"
            )
    fault = settle(bar_file.series)
    if fault is not None:
        lines = lines_of(fault, lambda: _row_keys(path, bar_file.only))
        raise MalformedData(f"{path}:{fault.describe(lines)}")
    return bar_file


def _row_keys(path: Path, only: Timeframe | None) -> Iterator[tuple[int, RowKey]]:
    """(line number, key) of every row of a file already read once without a fault."""
    with csv_rows(path) as reader:
        next(reader, None)
        for row in reader:
            if not row:
                continue
            if only is None:
                key = (parse_symbol(row[0]), Timeframe.parse(row[1]), iso_start(row[2]))
            else:
                start = nanosecond_start(row[6])
                if only is Timeframe.D1:
                    start = only.daily_stamp(start.astimezone(exchange_timezone()).date())
                key = (parse_symbol(row[0]), only, start)
            yield reader.line_num, key


def _chronox_rows(reader: CsvReader, path: Path) -> Series:
    series: Series = {}
    symbols: dict[str, str] = {}
    timeframes: dict[str, Timeframe] = {t.value: t for t in Timeframe}
    starts: dict[str, datetime] = {}
    symbol: str | None = None
    timeframe: Timeframe | None = None
    bucket: list[Bar] = []
    for row in reader:
        if not row:
            continue  # a blank line
        try:
            symbol_text, timeframe_text, start_text, o, h, lo, c, v, vwap, trades = row
            if (row_symbol := symbols.get(symbol_text)) is None:
                row_symbol = symbols[symbol_text] = parse_symbol(symbol_text)
            if (row_timeframe := timeframes.get(timeframe_text)) is None:
                row_timeframe = timeframes[timeframe_text] = Timeframe.parse(timeframe_text)
            if (start := starts.get(start_text)) is None:
                start = starts[start_text] = iso_start(start_text)
            bar = Bar(
                row_symbol,
                row_timeframe,
                start,
                float(o),
                float(h),
                float(lo),
                float(c),
                float(v),
                float(vwap) if vwap else None,
                int(trades) if trades else None,
            )
        except BAD_TEXT as exc:
            problem = explain(row, CHRONOX_COLUMNS, exc)
            raise MalformedData(f"{path}:{reader.line_num}: {problem}") from None
        # Rows come grouped by series: look the bucket up only when the series changes.
        if row_symbol is not symbol or row_timeframe is not timeframe:
            symbol, timeframe = row_symbol, row_timeframe
            bucket = series.setdefault((symbol, timeframe), [])
        bucket.append(bar)
    return series


def _vendor_rows(reader: CsvReader, path: Path) -> BarFile:
    series: Series = {}
    symbols: dict[str, str] = {}
    starts: dict[str, datetime] = {}
    minute = Timeframe.M1
    symbol: str | None = None
    bucket: list[Bar] = []
    for row in reader:
        if not row:
            continue
        try:
            ticker, v, o, c, h, lo, window_start, transactions = row
            if (row_symbol := symbols.get(ticker)) is None:
                row_symbol = symbols[ticker] = parse_symbol(ticker)
            if (start := starts.get(window_start)) is None:
                start = starts[window_start] = nanosecond_start(window_start)
            bar = Bar(
                row_symbol,
                minute,
                start,
                float(o),
                float(h),
                float(lo),
                float(c),
                float(v),
                None,
                int(transactions) if transactions else None,
            )
        except BAD_TEXT as exc:
            problem = explain(row, VENDOR_COLUMNS, exc)
            raise MalformedData(f"{path}:{reader.line_num}: {problem}") from None
        if row_symbol is not symbol:
            symbol = row_symbol
            bucket = series.setdefault((symbol, minute), [])
        bucket.append(bar)
    if not starts:
        return BarFile(series)
    if all(_is_new_york_midnight(start) for start in starts.values()):
        return BarFile(_as_day_bars(series, starts.values()), Timeframe.D1)
    return BarFile(series, Timeframe.M1)


def _as_day_bars(series: Series, starts: Iterable[datetime]) -> Series:
    """Re-stamp a day file's bars: midnight New York -> 00:00 UTC of that date."""
    day = Timeframe.D1
    zone = exchange_timezone()
    stamps = {start: day.daily_stamp(start.astimezone(zone).date()) for start in starts}
    return {
        (symbol, day): [Bar(b[0], day, stamps[b[2]], *b[3:]) for b in bars]
        for (symbol, _), bars in series.items()
    }


def _is_new_york_midnight(moment: datetime) -> bool:
    return moment.astimezone(exchange_timezone()).time() == time(0)
