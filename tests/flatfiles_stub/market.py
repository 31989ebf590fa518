"""Realistic day-file rows, and the defects the vendor's files have shown in the wild.

``market_day`` writes every ticker's minutes of the extended session (04:00-20:00 New
York) with some minutes missing, as the vendor writes no bar for a minute without an
eligible trade; ``day_bars`` rolls them up into the day file's rows. The defect helpers
return new lists and never change their input.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from tests.flatfiles_stub.dayfile import (
    MINUTE_NS,
    DayFileRow,
    uses_decimal_volume,
    window_start_ns,
)

#: Tickers as the vendor spells them: a class share with a dot, a preferred with a
#: lower-case ``p`` (``KIMpL`` and ``KIMPL`` are different series).
MIXED_CASE_TICKERS = ("AAPL", "BRK.A", "KIMpL", "SPY")

EXTENDED_OPEN = time(4, 0)
EXTENDED_CLOSE = time(20, 0)
REGULAR_OPEN = time(9, 30)
REGULAR_CLOSE = time(16, 0)


def _minutes(day: date, start: time, end: time) -> list[int]:
    first = window_start_ns(day, start)
    count = (datetime.combine(day, end) - datetime.combine(day, start)) // timedelta(minutes=1)
    return [first + i * MINUTE_NS for i in range(count)]


def _tick(price: float) -> float:
    """Cents from a dollar up, hundredths of a cent below (the vendor's sub-dollar
    prints carry four decimals)."""
    return round(price, 2) if price >= 1 else round(price, 4)


def market_day(
    day: date,
    tickers: Sequence[str],
    *,
    seed: int = 0,
    missing: float = 0.1,
    start: time = EXTENDED_OPEN,
    end: time = EXTENDED_CLOSE,
    decimal_volume: bool | None = None,
) -> list[DayFileRow]:
    """Minute rows of ``tickers`` for ``day``'s session from ``start`` to ``end`` New York
    time (pass ``end=time(17)`` for an early close's extended session).

    Deterministic per (seed, day, ticker). Each minute is missing with probability
    ``missing`` (pre- and post-market minutes three times as often, as they trade
    thinly). Rows are grouped by ticker in the order given, minutes ascending. Volumes
    are decimals (``17798.430378``) when ``decimal_volume``, by default from 2026-02-23.
    """
    if decimal_volume is None:
        decimal_volume = uses_decimal_volume(day)
    regular_open = window_start_ns(day, REGULAR_OPEN)
    regular_close = window_start_ns(day, REGULAR_CLOSE)
    rows: list[DayFileRow] = []
    for ticker in tickers:
        rng = random.Random(f"{seed}:{day.isoformat()}:{ticker}")
        price = rng.choice((0.42, 7.5, 48.0, 187.0, 512.0))
        for start_ns in _minutes(day, start, end):
            regular = regular_open <= start_ns < regular_close
            if rng.random() < (missing if regular else min(1.0, 3 * missing)):
                continue
            open_ = _tick(price)
            close = _tick(max(0.0001, price * (1 + rng.gauss(0, 0.002))))
            high = _tick(max(open_, close) * (1 + abs(rng.gauss(0, 0.001))))
            low = _tick(min(open_, close) * (1 - abs(rng.gauss(0, 0.001))))
            volume: float = (
                round(rng.uniform(1, 40_000), 6) if decimal_volume else rng.randint(1, 40_000)
            )
            rows.append(
                DayFileRow(
                    ticker=ticker,
                    volume=volume,
                    open=open_,
                    close=close,
                    high=max(high, open_, close),
                    low=min(low, open_, close),
                    window_start_ns=start_ns,
                    transactions=rng.randint(1, 400),
                )
            )
            price = close
    return rows


def day_bars(day: date, minute_rows: Iterable[DayFileRow]) -> list[DayFileRow]:
    """The day file's rows for ``minute_rows``: one per ticker, ``window_start`` at
    midnight New York (the vendor's day aggregates). Open, high, low and close come
    from the regular session's minutes (a daily bar never takes a price from an
    extended-hours Form T trade), volume and transactions from all of them."""
    by_ticker: dict[str, list[DayFileRow]] = {}
    for row in minute_rows:
        by_ticker.setdefault(row.ticker, []).append(row)
    regular_open = window_start_ns(day, REGULAR_OPEN)
    regular_close = window_start_ns(day, REGULAR_CLOSE)
    midnight = window_start_ns(day, time(0))
    bars = []
    for ticker, rows in by_ticker.items():
        rows.sort(key=lambda row: row.window_start_ns)
        priced = [r for r in rows if regular_open <= r.window_start_ns < regular_close] or rows
        bars.append(
            DayFileRow(
                ticker=ticker,
                volume=round(sum(row.volume for row in rows), 6),
                open=priced[0].open,
                close=priced[-1].close,
                high=max(row.high for row in priced),
                low=min(row.low for row in priced),
                window_start_ns=midnight,
                transactions=sum(row.transactions for row in rows),
            )
        )
    return bars


# -- defects seen in the wild --------------------------------------------------------------


def with_duplicate(rows: Sequence[DayFileRow], index: int = 0) -> list[DayFileRow]:
    """An identical copy of ``rows[index]`` right after it (counts once)."""
    return [*rows[: index + 1], rows[index], *rows[index + 1 :]]


def with_conflicting_duplicate(
    rows: Sequence[DayFileRow], index: int = 0, *, close_delta: float = 0.01
) -> list[DayFileRow]:
    """A second row for ``rows[index]``'s (ticker, minute) with another close (high and
    low widened so it is a valid bar on its own): two truths for one slot."""
    row = rows[index]
    close = _tick(row.close + close_delta)
    other = replace(
        row, close=close, high=max(row.high, close), low=min(row.low, close), volume=row.volume + 1
    )
    return [*rows[: index + 1], other, *rows[index + 1 :]]


def with_nonsense_window_start(
    rows: Sequence[DayFileRow], ticker: str, window_start_ns: int | None = None
) -> list[DayFileRow]:
    """One more row of ``ticker`` (a copy of its first) with a nonsense ``window_start``:
    by default 30 seconds past its first minute (off the minute grid); pass 0 (1970), a
    millisecond stamp, or a stamp in another session for the other kinds seen."""
    first = next(row for row in rows if row.ticker == ticker)
    stamp = (
        first.window_start_ns + 30 * 1_000_000_000 if window_start_ns is None else window_start_ns
    )
    return [*rows, replace(first, window_start_ns=stamp)]


def without_closing_bars(
    rows: Sequence[DayFileRow], ticker: str, count: int = 1
) -> list[DayFileRow]:
    """``ticker``'s last ``count`` minutes removed (the missing closing bars seen in the
    wild; in the file they are just holes)."""
    own = sorted((row.window_start_ns for row in rows if row.ticker == ticker), reverse=True)
    dropped = set(own[:count])
    return [row for row in rows if not (row.ticker == ticker and row.window_start_ns in dropped)]


def without_ticker(rows: Sequence[DayFileRow], ticker: str) -> list[DayFileRow]:
    """Every row of ``ticker`` removed: in a complete file, a ticker with no eligible
    trade that day."""
    return [row for row in rows if row.ticker != ticker]
