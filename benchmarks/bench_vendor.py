"""The vendor as it really behaves (the faithful stub): requests per symbol-year in every
timeframe against the plan, and a backfill through a spell of 429s without Retry-After."""

from __future__ import annotations

import time
from datetime import date

from benchmarks.app import application
from benchmarks.timing import Figure, seconds
from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
from chronox_domain.ports import TradingCalendar
from chronox_domain.services import IngestionService, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from tests.polygon_stub import PolygonStub  # the test suite's stub, on loopback

YEAR = (date(2024, 1, 1), date(2024, 12, 31))
QUICK_RANGE = (date(2024, 3, 1), date(2024, 3, 28))


def run(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    first, last = QUICK_RANGE if quick else YEAR
    figures = [requests_per_year(calendar, tf, first, last) for tf in Timeframe]
    # The vendor's real quota window is a minute; the quick run scales it down.
    window, outage = (1.0, 2.0) if quick else (60.0, 20.0)
    figures.append(through_429s(calendar, first, last, window, outage))
    return figures


def _ingestion(stub: PolygonStub, calendar: TradingCalendar, **config: object) -> IngestionService:
    """The application's ingestion into a memory store, from the vendor's client at ``stub``."""
    settings: dict[str, object] = {"api_key": "bench", "base_url": stub.base_url, **config}
    source = PolygonRestSource(PolygonConfig(**settings))  # type: ignore[arg-type]
    ingestion: IngestionService = application(calendar, source=source).ingestion()
    return ingestion


def requests_per_year(
    calendar: TradingCalendar, timeframe: Timeframe, first: date, last: date
) -> Figure:
    with PolygonStub(api_key="bench") as stub:
        ingestion = _ingestion(stub, calendar)
        request = IngestRequest(("SPY",), timeframe, SessionKind.RTH, first, last)
        planned = sum(len(item.requests) for item in ingestion.plan(request))
        report = ingestion.ingest(request)
        sent = len(stub.aggs_requests())
    return Figure(
        benchmark="vendor-requests",
        what=f"SPY {timeframe} RTH {first}..{last}, limit counted in base aggregates "
        f"({report.bars_written:,} bars)",
        baseline=f"{planned} planned requests",
        chronox=f"{sent} requests sent",
        ratio=sent / planned if planned else 0.0,
        ratio_label="the planned requests",
        target="= 1.0x, about 5 a symbol-year (1 for 1d)",
        met=sent == planned == report.requests,
        data={"timeframe": timeframe.value, "planned": planned, "sent": sent},
    )


def through_429s(
    calendar: TradingCalendar, first: date, last: date, window: float, outage: float
) -> Figure:
    """SPY 1h for the range while the vendor answers every request 429, without
    Retry-After, for ``outage`` seconds from the start."""
    with PolygonStub(api_key="bench") as stub:
        ingestion = _ingestion(stub, calendar, quota_window=window)
        request = IngestRequest(("SPY",), Timeframe.H1, SessionKind.RTH, first, last)
        planned = sum(len(item.requests) for item in ingestion.plan(request))
        armed = time.time()
        stub.faults.rate_limit_for(outage)
        started = time.perf_counter()
        report = ingestion.ingest(request)
        elapsed = time.perf_counter() - started
        wasted = len(stub.rate_limited_requests())
    # The wall-clock quota windows the outage touches: at most one refusal each.
    windows = int((armed + outage) // window) - int(armed // window) + 1
    return Figure(
        benchmark="vendor-429",
        what=f"SPY 1h RTH {first}..{last} through {outage:g} s of 429s without Retry-After "
        f"(quota window {window:g} s)",
        baseline=f"{planned} planned requests; the outage spans {windows} quota window(s)",
        chronox=f"completed: {report.bars_written:,} bars, {report.requests} requests, "
        f"{wasted} refused (wasted), {seconds(elapsed)}",
        ratio=wasted / windows,
        ratio_label="wasted requests per quota window",
        target="<= 1 per quota window, and the backfill completes",
        met=wasted <= windows and report.requests == planned,
        data={"wasted": wasted, "windows": windows, "seconds": elapsed, "planned": planned},
    )
