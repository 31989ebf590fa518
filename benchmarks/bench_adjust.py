"""Adjusting on read (issue 19): a symbol-year of 1m bars read as traded against the
same read on a price basis, through the real read path.

Both sides are ``BarsService.table`` over a store that holds the bars as traded and the
symbol's corporate actions: ``basis=none`` (the store's ``bar_columns``, nothing else)
against ``basis=splits`` or ``all`` (the same read, the symbol's stored actions, then
``chronox_domain.adjust`` over the columns). Three symbol-years of regular-hours bars:

- AAPL 2019 on ``splits``: AAPL's own splits (2:1 2005-02-28, 7:1 2014-06-09, 4:1
  2020-08-31), so every bar of the year lies before the 4:1 and is divided by 4;
- XAPL 2020 on ``splits``: an AAPL-like symbol with AAPL's three ratios inside one year
  (2:1 2020-02-28, 7:1 2020-06-08, 4:1 2020-08-31): the year in four stretches, divided
  by 56, 28 and 4, the last as traded;
- AAPL 2019 on ``all``: the splits and AAPL's four quarterly dividends of 2019 with the
  vendor's cumulative ``historical_adjustment_factor``: five stretches, every bar scaled.

Each case's two sides are timed in alternation (median of the paired ratios). Before
timing, the adjusted columns are checked against the raw ones bar by bar: the starts and
trades equal, and each price and volume exactly (bit for bit) the raw one divided or
multiplied by its session's factor (``Factors.at``, the step function), that factor
within 1e-12 of the one worked out by hand below. A mismatch fails the run.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from math import isclose
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.timing import Figure, compare, seconds, stopwatch
from chronox_adapters.clock import SystemClock
from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    PriceBasis,
    StockSplit,
)
from chronox_domain.adjust import adjust, basis_factors
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.columns import BarColumns
from chronox_domain.ports import CorporateActionStore, MarketDataRepository, TradingCalendar
from chronox_domain.services.bars import BarsService
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
TARGET = 1.2
#: Pairs per figure. On a shared 2-core machine one pair's ratio swings by +-0.3 with
#: the other processes' load; the median of 25 moves by a few hundredths, that of 9 by
#: a tenth either side of the adjustment's true cost.
REPEATS = 25
FETCHED = datetime(2026, 1, 2, tzinfo=UTC)


def _split(symbol: str, day: date, ratio: int) -> StockSplit:
    return StockSplit(symbol, day, 1, ratio, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


def _dividend(day: date, amount: float, cumulative: float) -> CashDividend:
    return CashDividend(
        "AAPL", day, amount, "USD", FETCHED, historical_adjustment_factor=cumulative
    )


#: Each 2019 dividend's own factor is 1 - amount / the close before its ex-date (170.94,
#: 200.72, 203.43, 257.24); the vendor's factor of one is the product of its own and
#: every later one's (the bundle holds 2019's four).
AAPL = CorporateActions(
    "AAPL",
    splits=(
        _split("AAPL", date(2005, 2, 28), 2),
        _split("AAPL", date(2014, 6, 9), 7),
        _split("AAPL", date(2020, 8, 31), 4),
    ),
    dividends=(
        _dividend(date(2019, 2, 8), 0.73, 0.9851973667100492),
        _dividend(date(2019, 5, 10), 0.77, 0.9894227005782023),
        _dividend(date(2019, 8, 9), 0.77, 0.993232930532917),
        _dividend(date(2019, 11, 7), 0.77, 0.9970066863629296),
    ),
    fetched_at=FETCHED,
)
XAPL = CorporateActions(
    "XAPL",
    splits=(
        _split("XAPL", date(2020, 2, 28), 2),
        _split("XAPL", date(2020, 6, 8), 7),
        _split("XAPL", date(2020, 8, 31), 4),
    ),
    fetched_at=FETCHED,
)

#: (boundary, price divisor, volume multiplier): a bar of a session before ``boundary``
#: (and on or after the previous one) is on that step; from the last one on, as traded.
Steps = tuple[tuple[date, float, float], ...]
AAPL_SPLITS_2019: Steps = ((date(2020, 8, 31), 4.0, 4.0),)
XAPL_SPLITS_2020: Steps = (
    (date(2020, 2, 28), 56.0, 56.0),
    (date(2020, 6, 8), 28.0, 28.0),
    (date(2020, 8, 31), 4.0, 4.0),
)
AAPL_ALL_2019: Steps = (
    (date(2019, 2, 8), 4 / 0.9851973667100492, 4.0),
    (date(2019, 5, 10), 4 / 0.9894227005782023, 4.0),
    (date(2019, 8, 9), 4 / 0.993232930532917, 4.0),
    (date(2019, 11, 7), 4 / 0.9970066863629296, 4.0),
    (date(2020, 8, 31), 4.0, 4.0),
)


@dataclass(frozen=True, slots=True)
class Case:
    """A window of a symbol's sessions read on a basis, and its factors worked out by hand."""

    what: str
    symbol: str
    basis: PriceBasis
    first: date
    last: date
    steps: Steps


FULL = (
    Case(
        "2019 on splits: every bar before the 4:1 of 2020-08-31 (/4)",
        "AAPL", PriceBasis.SPLITS, date(2019, 1, 2), date(2019, 12, 31), AAPL_SPLITS_2019,
    ),
    Case(
        "2020 on splits: three splits inside the year (/56, /28, /4, as traded)",
        "XAPL", PriceBasis.SPLITS, date(2020, 1, 2), date(2020, 12, 31), XAPL_SPLITS_2020,
    ),
    Case(
        "2019 on all: four quarterly dividends and the 4:1 of 2020 (five factors)",
        "AAPL", PriceBasis.ALL, date(2019, 1, 2), date(2019, 12, 31), AAPL_ALL_2019,
    ),
)  # fmt: skip
QUICK = (
    Case(
        "a week of 2019 on splits, every bar before the 4:1",
        "AAPL", PriceBasis.SPLITS, date(2019, 11, 25), date(2019, 11, 29), AAPL_SPLITS_2019,
    ),
    Case(
        "two weeks of 2020 on splits around the 4:1 of 2020-08-31",
        "XAPL", PriceBasis.SPLITS, date(2020, 8, 24), date(2020, 9, 4), XAPL_SPLITS_2020,
    ),
    Case(
        "two weeks of 2019 on all around the dividend of 2019-11-07",
        "AAPL", PriceBasis.ALL, date(2019, 10, 31), date(2019, 11, 13), AAPL_ALL_2019,
    ),
)  # fmt: skip


def minute_bars(calendar: TradingCalendar, symbol: str, first: date, last: date) -> list[Bar]:
    """A 1m bar in every regular-hours slot of the sessions, prices varying."""
    bars = []
    for session in calendar.sessions(first, last, SessionKind.RTH):
        start = session.open
        n = 0
        while start < session.close:
            price = 300.0 + (n % 97) * 0.01
            bars.append(
                Bar(symbol, Timeframe.M1, start, price, price + 0.5, price - 0.5, price + 0.1,
                    1_000.0 + n, price + 0.05, 10 + n % 7)
            )  # fmt: skip
            start += timedelta(minutes=1)
            n += 1
    return bars


def stock(
    repository: MarketDataRepository,
    actions: CorporateActionStore,
    calendar: TradingCalendar,
    cases: Sequence[Case],
) -> None:
    """The bars of every case's sessions (each symbol-window once), and the actions."""
    for symbol, first, last in dict.fromkeys((c.symbol, c.first, c.last) for c in cases):
        bars = minute_bars(calendar, symbol, first, last)
        for i in range(0, len(bars), 50_000):
            repository.write(
                BarBatch(symbol, Timeframe.M1, bars[i : i + 50_000], "synthetic", None)
            )
    for bundle in (AAPL, XAPL):
        actions.put_actions(bundle)


def by_hand(steps: Steps, session: date) -> tuple[float, float]:
    return next(((d, m) for day, d, m in steps if session < day), (1.0, 1.0))


def check(case: Case, raw: BarColumns, read: BarColumns) -> int:
    """How many bars the basis scaled; raises AssertionError where the two disagree."""
    assert list(raw.start_ns) == list(read.start_ns), "the starts differ"
    assert list(raw.trades) == list(read.trades), "the numbers of trades differ"
    factors = basis_factors(AAPL if case.symbol == "AAPL" else XAPL, case.basis)
    scaled = 0
    for i, start_ns in enumerate(raw.start_ns):
        session = datetime.fromtimestamp(start_ns / 1e9, NEW_YORK).date()
        divisor, multiplier = factors.at(session)
        hand = by_hand(case.steps, session)
        assert isclose(divisor, hand[0], rel_tol=1e-12), f"{session}: {divisor} != {hand[0]}"
        assert multiplier == hand[1], f"{session}: volume x {multiplier} != x {hand[1]}"
        scaled += divisor != 1.0
        for name in ("open", "high", "low", "close", "vwap"):
            was, got = getattr(raw, name)[i], getattr(read, name)[i]
            assert got == (was / divisor if divisor != 1.0 else was), f"{name} of bar {i}"
        was, got = raw.volume[i], read.volume[i]
        assert got == (was * multiplier if multiplier != 1.0 else was), f"volume of bar {i}"
    return scaled


def figure(store: str, case: Case, service: BarsService, repeats: int) -> Figure:
    def read(basis: PriceBasis) -> Callable[[], BarColumns]:
        return lambda: (
            service.table(case.symbol, Timeframe.M1, case.first, case.last, basis=basis).columns
        )

    raw, on_basis = read(PriceBasis.NONE), read(case.basis)
    columns = raw()
    scaled = check(case, columns, on_basis())
    timed = compare(raw, on_basis, repeats)
    factors = basis_factors(AAPL if case.symbol == "AAPL" else XAPL, case.basis)
    alone = statistics.median(
        stopwatch(lambda: adjust(columns, factors, NEW_YORK)) for _ in range(repeats)
    )
    ratio = timed.slowdown
    bars = len(columns)
    basis = case.basis.value
    return Figure(
        benchmark="adjust",
        what=f"{store}: {case.symbol} 1m RTH, {case.what} ({bars:,} bars, {scaled:,} "
        "scaled); same rows, bit for bit raw / the session's factor",
        baseline=f"table(basis=none): {seconds(timed.baseline.median)}",
        chronox=f"table(basis={basis}): {seconds(timed.chronox.median)} "
        f"(adjust alone: {seconds(alone)})",
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
    actions: CorporateActionStore,
    calendar: TradingCalendar,
    cases: Sequence[Case],
    repeats: int,
) -> list[Figure]:
    stock(repository, actions, calendar, cases)
    service = BarsService(repository, calendar, SystemClock(), actions=actions)
    return [figure(store, case, service, repeats) for case in cases]


Stores = tuple[MarketDataRepository, CorporateActionStore]


@contextmanager
def _sqlite() -> Iterator[Stores]:
    from chronox_adapters.sqlite import SqliteActionStore, SqliteDatabase, SqliteRepository

    with tempfile.TemporaryDirectory(prefix="chronox-bench-adjust-") as folder:
        database = SqliteDatabase(str(Path(folder) / "store.sqlite3"))
        try:
            yield SqliteRepository(database), SqliteActionStore(database)
        finally:
            database.close()


@contextmanager
def _postgres(admin: str) -> Iterator[Stores]:
    from benchmarks.bench_postgres import throwaway_database
    from chronox_adapters.timescale import open_postgres

    with throwaway_database(admin) as url:
        store = open_postgres(url, max_size=2)
        try:
            yield store.repository, store.actions
        finally:
            store.close()


def run(
    calendar: TradingCalendar, quick: bool, postgres: str | None, repeats: int = REPEATS
) -> list[Figure]:
    """The figures on SQLite, and on PostgreSQL given ``postgres`` (an admin URL)."""
    cases = QUICK if quick else FULL
    Opener = Callable[[], AbstractContextManager[Stores]]
    stores: list[tuple[str, Opener]] = [("SQLite", _sqlite)]
    if postgres is not None:
        stores.append(("PostgreSQL", lambda: _postgres(postgres)))
    figures: list[Figure] = []
    for name, opened in stores:
        with opened() as (repository, actions):
            figures += measure(name, repository, actions, calendar, cases, repeats)
    return figures
