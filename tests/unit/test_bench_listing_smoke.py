"""`benchmarks/bench_listing.py` still runs, and its figure still says what it should:
knowing the listings, the universe's ingest asks less and never rechecks an empty
window before a listing (the figure itself belongs to docs/benchmarks.md)."""

from __future__ import annotations

from benchmarks.bench_listing import _Known, listed_bars, requests, run, universe
from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.timeframe import Timeframe


def test_the_listing_benchmark_counts_fewer_requests_when_listings_are_known(
    calendar: ExchangeCalendar,
) -> None:
    periods = universe(3)
    bars = listed_bars(calendar, periods, Timeframe.D1)
    blind = requests(calendar, periods, Timeframe.D1, bars, None)
    knowing = requests(calendar, periods, Timeframe.D1, bars, _Known(periods))
    assert knowing.recheck == 0 and blind.recheck == len(periods)
    assert knowing.total < blind.total and knowing.after == blind.after == 0


def test_the_listing_figure_is_a_row_of_run_py(calendar: ExchangeCalendar) -> None:
    (figure,) = run(calendar, quick=True)
    assert figure.benchmark == "listing" and figure.met is True
    assert figure.data["known_requests"] < figure.data["unknown_requests"]
    assert figure.data["known_rechecks"] == 0
