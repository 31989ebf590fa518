"""The vendor adapter: page parsing against plain ``json.loads``, and a full backfill of
one symbol-year of 1m bars from the Polygon stub on loopback into SQLite."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.timing import Figure, compare, rate, seconds
from chronox_adapters.clock import FixedClock
from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
from chronox_adapters.polygon.parsing import aggregate_bars, decode_aggregates
from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository
from chronox_domain.bar import Bar
from chronox_domain.ports import TradingCalendar
from chronox_domain.services import CoverageService, IngestionService, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from tests.polygon_stub import PolygonStub  # the test suite's stub, on loopback

PAGE_BARS = 50_000
#: Issue 22: a typed decoder builds bars faster than json.loads builds dicts.
PARSE_TARGET = 1.0
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)


def run(calendar: TradingCalendar, repeats: int, quick: bool) -> list[Figure]:
    return [parsing(repeats, 2_000 if quick else PAGE_BARS), *backfill(calendar, quick)]


def parsing(repeats: int, bars: int) -> Figure:
    """The page as the vendor's answer hands it over (bytes), into ``Bar`` tuples by the
    typed decoder, against ``json.loads`` of the same bytes (dicts, no bars yet)."""
    first = int(datetime(2024, 1, 2, 9, tzinfo=UTC).timestamp() * 1000)
    results = [
        {"v": 1000.0 + i, "vw": 100.12, "o": 100.1, "c": 100.2, "h": 100.3, "l": 100.0,
         "t": first + i * 60_000, "n": 12}
        for i in range(bars)
    ]  # fmt: skip
    body = json.dumps({"ticker": "SPY", "results": results, "status": "OK"}).encode()

    def into_bars() -> list[Bar]:
        return aggregate_bars(decode_aggregates(body, "SPY"), "SPY", Timeframe.M1)

    # Correctness: the very bars the page's dicts describe, built apart.
    expected = [
        Bar("SPY", Timeframe.M1, datetime.fromtimestamp(r["t"] / 1000, UTC), r["o"], r["h"],
            r["l"], r["c"], r["v"], r["vw"], r["n"])
        for r in json.loads(body)["results"]
    ]  # fmt: skip
    assert into_bars() == expected and len(expected) == bars
    timing = compare(lambda: json.loads(body), into_bars, repeats)
    return Figure(
        benchmark="polygon-parse",
        what=f"a {bars:,}-bar aggregates page ({len(body) / 1e6:.1f} MB) into Bar tuples",
        baseline=f"json.loads of its bytes: {seconds(timing.baseline.median)}",
        chronox=f"msgspec typed decode + Bar tuples: {seconds(timing.chronox.median)}",
        ratio=timing.slowdown,
        ratio_label="the json.loads time",
        target=f"<= {PARSE_TARGET}x",
        met=timing.slowdown <= PARSE_TARGET,
        data={"baseline_s": timing.baseline.median, "chronox_s": timing.chronox.median},
    )


def backfill(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    first, last = (
        (date(2024, 3, 1), date(2024, 3, 28)) if quick else (date(2024, 1, 1), date(2024, 12, 31))
    )
    with PolygonStub(api_key="bench") as stub, tempfile.TemporaryDirectory() as tmp:
        database = SqliteDatabase(str(Path(tmp) / "year.sqlite3"))
        repository = SqliteRepository(database)
        coverage = CoverageService(repository, calendar, FixedClock(NOW), timedelta(hours=1))
        config = PolygonConfig(api_key="bench", base_url=stub.base_url)
        ingestion = IngestionService(repository, PolygonRestSource(config), coverage)
        request = IngestRequest(("SPY",), Timeframe.M1, SessionKind.RTH, first, last)
        planned = sum(len(item.requests) for item in ingestion.plan(request))
        started = time.perf_counter()
        report = ingestion.ingest(request)
        elapsed = time.perf_counter() - started
        sent = len(stub.aggs_requests())
        database.close()
    span = f"{first}..{last}"
    return [
        Figure(
            benchmark="polygon-backfill",
            what=f"SPY 1m RTH {span} from the stub into SQLite ({report.bars_written:,} bars)",
            baseline=f"{planned} planned requests",
            chronox=f"{sent} requests, {seconds(elapsed)}, "
            + rate(report.bars_written, elapsed, "bars"),
            ratio=sent / planned if planned else 0.0,
            ratio_label="the planned requests",
            target="= 1.0x (no wasted calls)",
            met=sent == planned == report.requests,
            data={
                "planned": planned,
                "sent": sent,
                "bars": report.bars_written,
                "seconds": elapsed,
            },
        )
    ]
