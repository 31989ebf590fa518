"""Adjusting on read (issue 19): a symbol-year of 1m bars read as traded against the
same read put on the ``splits`` basis.

The store holds what traded; a read on a basis is the store's ``bar_columns`` followed
by ``chronox_domain.adjust.adjusted`` over those columns. The symbol is AAPL-like, with
AAPL's own splits (2:1 2005-02-28, 7:1 2014-06-09, 4:1 2020-08-31):

- 2019: every bar lies before a later split, so every bar is scaled (by 4);
- 2020: the 4:1 of 2020-08-31 falls mid-year, so the bars before it are scaled and
  the rest is returned as read.

Both sides are timed in alternation on the same store (median of the paired ratios).
The adjusted columns are checked against the raw ones bar by bar, computed on their
own (session date in New York before the split: prices / 4, volume x 4, the rest
equal): a mismatch fails the run. The read of the symbol's corporate actions, one small
query, is not timed.
"""

from __future__ import annotations

import math
import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.timing import Figure, compare, seconds, stopwatch
from chronox_domain.actions import AdjustmentType, CorporateActions, PriceBasis, StockSplit
from chronox_domain.adjust import adjusted
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.columns import BarColumns
from chronox_domain.interval import Interval
from chronox_domain.ports import MarketDataRepository, TradingCalendar
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
SYMBOL = "AAPL"
TARGET = 1.2
FETCHED = datetime(2026, 1, 2, tzinfo=UTC)
SPLIT_2020 = date(2020, 8, 31)


def _split(day: date, ratio: int) -> StockSplit:
    return StockSplit(SYMBOL, day, 1, ratio, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


ACTIONS = CorporateActions(
    SYMBOL,
    splits=(_split(date(2005, 2, 28), 2), _split(date(2014, 6, 9), 7), _split(SPLIT_2020, 4)),
    fetched_at=FETCHED,
)


@dataclass(frozen=True, slots=True)
class Case:
    """A window of the symbol's sessions and what the split does to it."""

    what: str
    first: date
    last: date


FULL = (
    Case("2019, every bar before the 4:1 of 2020-08-31", date(2019, 1, 2), date(2019, 12, 31)),
    Case("2020, the 4:1 of 2020-08-31 mid-year", date(2020, 1, 2), date(2020, 12, 31)),
)
QUICK = (
    Case("a week of 2019, every bar before the 4:1", date(2019, 11, 25), date(2019, 11, 29)),
    Case("two weeks around the 4:1 of 2020-08-31", date(2020, 8, 24), date(2020, 9, 4)),
)


def minute_bars(calendar: TradingCalendar, case: Case) -> list[Bar]:
    """A 1m bar in every regular-hours slot of the case's sessions, prices varying."""
    bars = []
    for session in calendar.sessions(case.first, case.last, SessionKind.RTH):
        start = session.open
        n = 0
        while start < session.close:
            price = 300.0 + (n % 97) * 0.01
            bars.append(
                Bar(SYMBOL, Timeframe.M1, start, price, price + 0.5, price - 0.5, price + 0.1,
                    1_000.0 + n, price + 0.05, 10 + n % 7)
            )  # fmt: skip
            start += timedelta(minutes=1)
            n += 1
    return bars


def stock(repository: MarketDataRepository, bars: Sequence[Bar]) -> None:
    for i in range(0, len(bars), 50_000):
        repository.write(BarBatch(SYMBOL, Timeframe.M1, bars[i : i + 50_000], "synthetic", None))


def window_of(case: Case) -> Interval:
    start = datetime.combine(case.first, datetime.min.time(), NEW_YORK).astimezone(UTC)
    end = datetime.combine(case.last + timedelta(days=1), datetime.min.time(), NEW_YORK)
    return Interval(start, end.astimezone(UTC))


def check(raw: BarColumns, adjusted_: BarColumns) -> int:
    """How many bars the split scaled; raises AssertionError where the two disagree."""
    assert list(raw.start_ns) == list(adjusted_.start_ns), "the starts differ"
    assert list(raw.trades) == list(adjusted_.trades), "the numbers of trades differ"
    scaled = 0
    for i, start_ns in enumerate(raw.start_ns):
        day = datetime.fromtimestamp(start_ns / 1e9, NEW_YORK).date()
        factor = 4.0 if day < SPLIT_2020 else 1.0
        scaled += factor != 1.0
        for name in ("open", "high", "low", "close", "vwap"):
            want, got = getattr(raw, name)[i] / factor, getattr(adjusted_, name)[i]
            assert math.isclose(got, want, rel_tol=1e-12), f"{name} of bar {i}: {got} != {want}"
        want, got = raw.volume[i] * factor, adjusted_.volume[i]
        assert math.isclose(got, want, rel_tol=1e-12), f"volume of bar {i}: {got} != {want}"
    return scaled


def figure(store: str, case: Case, repository: MarketDataRepository, repeats: int) -> Figure:
    window = window_of(case)

    def raw() -> BarColumns:
        return repository.bar_columns(SYMBOL, Timeframe.M1, window)

    def on_splits() -> BarColumns:
        return adjusted(raw(), ACTIONS, PriceBasis.SPLITS, NEW_YORK)

    columns = raw()
    scaled = check(columns, on_splits())
    timed = compare(raw, on_splits, repeats)
    alone = statistics.median(
        stopwatch(lambda: adjusted(columns, ACTIONS, PriceBasis.SPLITS, NEW_YORK))
        for _ in range(repeats)
    )
    ratio = timed.slowdown
    bars = len(columns)
    return Figure(
        benchmark="adjust",
        what=f"{store}: {SYMBOL} 1m RTH, {case.what} ({bars:,} bars, {scaled:,} scaled); "
        "same rows, prices = raw / 4 where scaled",
        baseline=f"bar_columns, as traded: {seconds(timed.baseline.median)}",
        chronox=f"bar_columns + adjusted(splits): {seconds(timed.chronox.median)} "
        f"(adjusted alone: {seconds(alone)})",
        ratio=ratio,
        ratio_label="the raw read",
        target=f"<= {TARGET}x",
        met=ratio <= TARGET,
        data={
            "bars": bars,
            "scaled": scaled,
            "raw_seconds": timed.baseline.median,
            "adjusted_seconds": timed.chronox.median,
            "adjust_alone_seconds": alone,
        },
    )


def measure(
    store: str,
    repository: MarketDataRepository,
    calendar: TradingCalendar,
    cases: Sequence[Case],
    repeats: int,
) -> list[Figure]:
    for case in cases:
        stock(repository, minute_bars(calendar, case))
    return [figure(store, case, repository, repeats) for case in cases]


@contextmanager
def _sqlite() -> Iterator[MarketDataRepository]:
    from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository

    with tempfile.TemporaryDirectory(prefix="chronox-bench-adjust-") as folder:
        database = SqliteDatabase(str(Path(folder) / "store.sqlite3"))
        try:
            yield SqliteRepository(database)
        finally:
            database.close()


@contextmanager
def _postgres(admin: str) -> Iterator[MarketDataRepository]:
    from benchmarks.bench_postgres import throwaway_database
    from chronox_adapters.timescale import open_postgres

    with throwaway_database(admin) as url:
        store = open_postgres(url, max_size=2)
        try:
            yield store.repository
        finally:
            store.close()


def run(
    calendar: TradingCalendar, quick: bool, postgres: str | None, repeats: int = 9
) -> list[Figure]:
    """The figures on SQLite, and on PostgreSQL given ``postgres`` (an admin URL)."""
    cases = QUICK if quick else FULL
    Opener = Callable[[], AbstractContextManager[MarketDataRepository]]
    stores: list[tuple[str, Opener]] = [("SQLite", _sqlite)]
    if postgres is not None:
        stores.append(("PostgreSQL", lambda: _postgres(postgres)))
    figures: list[Figure] = []
    for name, opened in stores:
        with opened() as repository:
            figures += measure(name, repository, calendar, cases, repeats)
    return figures
