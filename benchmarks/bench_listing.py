"""Requests the listing period saves (issue 19, item 5): a universe of late-listed
symbols asked from long before their listing, with and without their listings known.

The source answers like the vendor: bars from each symbol's listing date on, an empty
answer before it, and a page limit counted in base aggregates (minutes below a day, as
Polygon's ``limit``). Without the listing, every window before it is asked once, answered
empty (unconfirmed), and asked again after the recheck delay (the empty-answer rule):
two requests per empty page. With it, nothing before the listing is ever asked.

    python3 -m benchmarks.bench_listing [--quick]
    python3 benchmarks/run.py --only listing    # the same figures, as run.py's tables
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from benchmarks.timing import Figure
from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRepository, MemorySource
from chronox_domain.actions import ListingPeriod
from chronox_domain.bar import Bar
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Listings, TradingCalendar
from chronox_domain.services import CoverageService, IngestionService, IngestRequest
from chronox_domain.session import SessionKind, slot_window
from chronox_domain.timeframe import Timeframe

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
ASKED = (date(2015, 1, 2), date(2025, 5, 30))
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
#: Polygon's page: 50,000 base aggregates.
PAGE = 50_000


def universe(count: int = 20) -> list[ListingPeriod]:
    """``count`` symbols listed one every ~11 weeks from 2019-01-15 (the last in 2023)."""
    first = date(2019, 1, 15)
    step = timedelta(days=(date(2023, 10, 31) - first).days // max(count - 1, 1))
    return [ListingPeriod(f"L{n:03d}", first + n * step, None, True, FETCHED) for n in range(count)]


class _Known:
    def __init__(self, periods: Sequence[ListingPeriod]) -> None:
        self._periods = {period.symbol: period for period in periods}

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        return {s: self._periods[s] for s in symbols if s in self._periods}


class VendorLikeSource(MemorySource):
    """A memory source whose page limit counts base aggregates, as Polygon's does."""

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        return RequestLimit(PAGE, Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1)


def listed_bars(
    calendar: TradingCalendar, periods: Sequence[ListingPeriod], timeframe: Timeframe
) -> list[Bar]:
    """A bar in every RTH slot of every session each symbol traded."""
    sessions = calendar.sessions(ASKED[0], ASKED[1], SessionKind.RTH)
    bars = []
    for period in periods:
        for session in sessions:
            if not period.trades_on(session.date):
                continue
            window = slot_window(session, timeframe)
            start = window.start
            while start < window.end:
                bars.append(Bar(period.symbol, timeframe, start, 10.0, 11.0, 9.0, 10.5, 100.0))
                start += timeframe.step
    return bars


@dataclass(frozen=True)
class Passes:
    first: int
    recheck: int
    after: int

    @property
    def total(self) -> int:
        return self.first + self.recheck + self.after


def requests(
    calendar: TradingCalendar,
    periods: Sequence[ListingPeriod],
    timeframe: Timeframe,
    bars: Sequence[Bar],
    listings: Listings | None,
) -> Passes:
    """Vendor requests of three ingests of the universe: now, after the recheck delay,
    and once more (nothing left: every window final)."""
    source = VendorLikeSource(bars)
    repository = MemoryRepository()
    clock = FixedClock(NOW)
    coverage = CoverageService(
        repository, calendar, clock, timedelta(hours=1), timedelta(hours=24), listings
    )
    ingestion = IngestionService(repository, source, coverage)
    symbols = tuple(period.symbol for period in periods)
    counts = []
    for _ in range(3):
        before = len(source.requests)
        ingestion.ingest(IngestRequest(symbols, timeframe, SessionKind.RTH, *ASKED))
        counts.append(len(source.requests) - before)
        clock.advance(timedelta(hours=25))
    return Passes(*counts)


def run(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    """One figure per timeframe: the universe's requests with its listings known,
    against the same ingests with them unknown (3 symbols and 1d only when ``quick``)."""
    periods = universe(3 if quick else 20)
    timeframes = (Timeframe.D1,) if quick else (Timeframe.D1, Timeframe.H1)
    figures = []
    for timeframe in timeframes:
        bars = listed_bars(calendar, periods, timeframe)
        blind = requests(calendar, periods, timeframe, bars, None)
        knowing = requests(calendar, periods, timeframe, bars, _Known(periods))
        ratio = knowing.total / blind.total
        figures.append(
            Figure(
                benchmark="listing",
                what=f"{len(periods)} symbols listed {periods[0].listed}..{periods[-1].listed}, "
                f"{timeframe} RTH asked {ASKED[0]}..{ASKED[1]}: three ingests across the "
                f"recheck delay, vendor page {PAGE:,} base aggregates",
                baseline=f"listing unknown: {blind.total:,} requests "
                f"({blind.first:,} + {blind.recheck:,} rechecks + {blind.after:,})",
                chronox=f"listing known: {knowing.total:,} requests "
                f"({knowing.first:,} + {knowing.recheck:,} rechecks + {knowing.after:,})",
                ratio=ratio,
                ratio_label="the requests without the listing",
                target="< 1.0x, no recheck",
                met=ratio < 1.0 and knowing.recheck == 0,
                data={
                    "symbols": len(periods),
                    "unknown_requests": blind.total,
                    "known_requests": knowing.total,
                    "unknown_rechecks": blind.recheck,
                    "known_rechecks": knowing.recheck,
                },
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 symbols, 1d only")
    quick = parser.parse_args().quick
    calendar = ExchangeCalendar("XNYS")
    periods = universe(5 if quick else 20)
    timeframes = (Timeframe.D1,) if quick else (Timeframe.D1, Timeframe.H1)
    print(f"{len(periods)} symbols listed {periods[0].listed}..{periods[-1].listed},")
    print(f"asked {ASKED[0]}..{ASKED[1]} (RTH), vendor page {PAGE} base aggregates")
    print("timeframe | listing | first pass | recheck | third | total | seconds")
    for timeframe in timeframes:
        bars = listed_bars(calendar, periods, timeframe)
        totals = {}
        for name, listings in (("unknown", None), ("known", _Known(periods))):
            started = time.perf_counter()
            passes = requests(calendar, periods, timeframe, bars, listings)
            took = time.perf_counter() - started
            totals[name] = passes.total
            print(
                f"{timeframe} | {name} | {passes.first} | {passes.recheck} | {passes.after} "
                f"| {passes.total} | {took:.1f}"
            )
        saved = totals["unknown"] - totals["known"]
        print(f"{timeframe}: {saved} requests saved ({100 * saved / totals['unknown']:.0f}%)")


if __name__ == "__main__":
    main()
