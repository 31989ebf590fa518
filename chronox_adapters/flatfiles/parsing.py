"""The vendor's day-file CSV to bars, a ticker's run of rows at a time.

The format (the vendor's flat-files docs): the header
``ticker,volume,open,close,high,low,window_start,transactions`` (close before high, no
vwap), ``window_start`` the bar's start in Unix nanoseconds, ``volume`` an integer, a
decimal (``17798.430378``) from 2026-02-23. No vwap: a bar's vwap is unknown (None);
``transactions`` is the bar's trade count. Columns are found by the header's names, so
a reordered or widened header still reads; a header without them is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

from chronox_domain.bar import Bar
from chronox_domain.dayfiles import TickerRows
from chronox_domain.errors import MalformedData
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import Timeframe

COLUMNS = ("ticker", "volume", "open", "close", "high", "low", "window_start", "transactions")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_US = 1_000


def ticker_rows(
    lines: Iterable[str], timeframe: Timeframe, day: date, tickers: Collection[str] | None
) -> Iterator[TickerRows]:
    """The rows of ``lines`` (the file's text, its header first), grouped into runs of
    one ticker, only ``tickers`` (None: all). Daily bars are stamped with ``day`` (the
    session the file is of) when their ``window_start`` falls on it in New York, else
    kept at their own stamp so that the domain rejects them."""
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None:
        raise MalformedData(f"the day file of {day} is empty (no header)")
    index = _columns(header)
    wanted = None if tickers is None else frozenset(tickers)
    ticker: str | None = None
    bars: list[Bar] = []
    at = index["ticker"]
    # A minute file repeats its ~960 stamps across thousands of tickers: each stamp's
    # text is converted once (the conversion was a third of the parse).
    stamps: dict[str, datetime] = {}
    for line in iterator:
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split(",") if '"' not in line else next(csv.reader([line]))
        name = fields[at] if len(fields) > at else ""
        if wanted is not None and name not in wanted:
            continue
        if name != ticker:
            if ticker is not None:
                yield TickerRows(ticker, bars)
            ticker, bars = name, []
        bars.append(_bar(fields, index, timeframe, day, stamps))
    if ticker is not None:
        yield TickerRows(ticker, bars)


def _columns(header: str) -> dict[str, int]:
    names = [name.strip().lower() for name in header.strip().lstrip("\ufeff").split(",")]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise MalformedData(
            f"not the vendor's day file: its header {header.strip()[:120]!r} lacks "
            f"{', '.join(missing)}"
        )
    return {name: names.index(name) for name in COLUMNS}


def _bar(
    fields: list[str],
    index: dict[str, int],
    timeframe: Timeframe,
    day: date,
    stamps: dict[str, datetime],
) -> Bar:
    """One row as a bar. A field that is no number makes a bar the domain rejects (NaN
    prices; a stamp that cannot be read: the epoch, outside every session), counted
    with the rest of the file's bad rows rather than failing the whole day. ``stamps``
    caches the stamps met so far in the file, by their text."""
    at = index["window_start"]
    text = fields[at] if len(fields) > at else ""
    stamp = stamps.get(text)
    if stamp is None:
        stamp = stamps[text] = _stamp(fields, index, timeframe, day)
    try:
        transactions = fields[index["transactions"]].strip()
        return Bar(
            symbol=fields[index["ticker"]],
            timeframe=timeframe,
            start=stamp,
            open=float(fields[index["open"]]),
            high=float(fields[index["high"]]),
            low=float(fields[index["low"]]),
            close=float(fields[index["close"]]),
            volume=float(fields[index["volume"]]),
            vwap=None,
            trades=int(float(transactions)) if transactions else None,
        )
    except (IndexError, ValueError, OverflowError):
        nan = float("nan")
        return Bar(fields[index["ticker"]], timeframe, stamp, nan, nan, nan, nan, nan)


def _stamp(fields: list[str], index: dict[str, int], timeframe: Timeframe, day: date) -> datetime:
    try:
        nanoseconds = int(fields[index["window_start"]])
        # Rounded up to the microsecond: a stamp off by a few nanoseconds stays off the
        # grid (rejected), never truncated onto it.
        stamp = _EPOCH + timedelta(microseconds=-(-nanoseconds // _NS_PER_US))
    except (IndexError, ValueError, OverflowError):
        return _EPOCH
    if timeframe is Timeframe.D1 and _new_york_date(stamp) == day:
        return Timeframe.D1.daily_stamp(day)
    return stamp


def _new_york_date(moment: datetime) -> date:
    return moment.astimezone(exchange_timezone()).date()
