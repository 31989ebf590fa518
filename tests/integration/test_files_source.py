"""Backfilling from a vendor flat file: the ledger holds the file's session, no more."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.files import FileSource
from chronox_adapters.memory import MemoryRepository
from chronox_domain.interval import Interval
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.ingestion import IngestionService, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

pytestmark = pytest.mark.integration

VENDOR_HEADER = "ticker,volume,open,close,high,low,window_start,transactions"


def minute_row(ticker: str, start: datetime) -> str:
    window_start = int(start.timestamp()) * 1_000_000_000
    return f"{ticker},100,10.0,10.5,11.0,9.5,{window_start},3"


def test_a_winter_minute_file_fills_its_session_and_leaves_the_next_one_missing(
    tmp_path: Path, calendar: ExchangeCalendar, clock: FixedClock
) -> None:
    # The 2024-01-02 extended session (EST) runs 09:00Z .. 01:00Z on Jan 3; the file
    # has trades at its first and last minute and a few in between.
    session_open = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    minutes = [session_open + timedelta(minutes=m) for m in (0, 330, 331, 959)]
    path = tmp_path / "2024-01-02.csv.gz"
    lines = [VENDOR_HEADER, *(minute_row("AAPL", m) for m in minutes)]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    repository = MemoryRepository()
    coverage = CoverageService(repository, calendar, clock, timedelta(hours=1))
    ingestion = IngestionService(repository, FileSource(path), coverage)
    first, last = date(2024, 1, 2), date(2024, 1, 3)

    report = ingestion.ingest(IngestRequest(("AAPL",), Timeframe.M1, SessionKind.ETH, first, last))

    assert report.bars_written == 4
    two_days = Interval(session_open, session_open + timedelta(days=2))
    assert [bar.start for bar in repository.bars("AAPL", Timeframe.M1, two_days)] == minutes
    gaps = coverage.gaps(["AAPL"], Timeframe.M1, SessionKind.ETH, first, last)
    assert [(gap.interval.start, gap.interval.end) for gap in gaps] == [
        (datetime(2024, 1, 3, 9, 0, tzinfo=UTC), datetime(2024, 1, 4, 1, 0, tzinfo=UTC))
    ]
