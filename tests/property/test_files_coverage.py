"""After ingesting any file, the ledger holds what its rows prove and every bar is covered.

The model: per session date (New York for intraday rows, the stamp for daily ones), a
file proves the span from its first row's slot to its last row's slot end, less the slot
of each row the invariants reject.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.files import FileSource
from chronox_adapters.memory import MemoryRepository
from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageStatus, of_status
from chronox_domain.interval import (
    Interval,
    IntervalList,
    intersect,
    normalize,
    subtract,
    union,
)
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.ingestion import IngestionService, IngestRequest
from chronox_domain.session import SessionKind, expected_windows, slot_window
from chronox_domain.timeframe import Timeframe

CALENDAR = ExchangeCalendar("XNYS")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
#: A summer week with the day after Thanksgiving's early close, and a winter one whose
#: extended sessions run past midnight UTC.
WEEKS = (date(2024, 11, 25), date(2024, 7, 1), date(2024, 1, 2))
HEADER = [
    "symbol",
    "timeframe",
    "start",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vwap",
    "trades",
]


@st.composite
def files(draw: st.DrawFn) -> tuple[Timeframe, SessionKind, date, list[tuple[Bar, bool]]]:
    """A timeframe, the session asked for, the first day, and rows: (bar, is it sound)."""
    timeframe = draw(st.sampled_from(list(Timeframe)))
    asked = draw(st.sampled_from(list(SessionKind)))
    held = draw(st.sampled_from(list(SessionKind)))  # the file may hold more or less
    first = draw(st.sampled_from(WEEKS))
    rows: list[tuple[Bar, bool]] = []
    for session in CALENDAR.sessions(first, first + timedelta(days=4), held):
        slots = slot_window(session, timeframe)
        count = timeframe.slots_in(slots.start, slots.end)
        for index in sorted(draw(st.sets(st.integers(0, count - 1), max_size=12))):
            start = slots.start + index * timeframe.step
            sound = draw(st.integers(0, 9)) > 0
            high = 11.0 if sound else 8.0  # below the low: rejected by the invariants
            bar = Bar("SPY", timeframe, start, 10.0, high, 9.0, 10.0, 100.0)
            rows.append((bar, sound))
            if draw(st.integers(0, 9)) == 0:
                rows.append((bar, sound))  # an identical duplicate
    return timeframe, asked, first, draw(st.permutations(rows))


def proven(bars: list[Bar], timeframe: Timeframe) -> IntervalList:
    by_date: dict[date, list[datetime]] = {}
    for bar in bars:
        day = (
            bar.start.date() if timeframe is Timeframe.D1 else bar.start.astimezone(NEW_YORK).date()
        )
        by_date.setdefault(day, []).append(bar.start)
    return normalize(Interval(min(s), max(s) + timeframe.step) for s in by_date.values())


def write(path: Path, rows: list[tuple[Bar, bool]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for bar, _ in rows:
            writer.writerow([bar.symbol, bar.timeframe.value, bar.start.isoformat(), bar.open,
                             bar.high, bar.low, bar.close, bar.volume, "", ""])  # fmt: skip


@given(files())
def test_every_stored_bar_is_covered_and_nothing_beyond_what_the_rows_prove(
    example: tuple[Timeframe, SessionKind, date, list[tuple[Bar, bool]]],
) -> None:
    timeframe, asked, first, rows = example
    repository = MemoryRepository()
    coverage = CoverageService(repository, CALENDAR, FixedClock(NOW), timedelta(hours=1))
    with TemporaryDirectory() as directory:
        path = Path(directory) / "bars.csv"
        write(path, rows)
        ingestion = IngestionService(repository, FileSource(path), coverage)
        last = first + timedelta(days=4)
        report = ingestion.ingest(IngestRequest(("SPY",), timeframe, asked, first, last))

    everything = Interval(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    stored = list(repository.bars("SPY", timeframe, everything))
    spans = repository.coverage("SPY", timeframe)
    covered = union(
        of_status(spans, CoverageStatus.FINAL), of_status(spans, CoverageStatus.PROVISIONAL)
    )
    ledger = normalize(span.interval for span in spans)
    rejected = normalize(
        Interval(bar.start, bar.start + timeframe.step) for bar, sound in rows if not sound
    )

    expected = expected_windows(CALENDAR.sessions(first, last, asked), timeframe)
    sound = sorted({bar for bar, ok in rows if ok}, key=lambda bar: bar.start)

    assert stored == [bar for bar in sound if any(w.contains(bar.start) for w in expected)]
    assert report.bars_written == len(stored)
    for bar in stored:
        assert any(piece.contains(bar.start) for piece in covered), bar
    assert ledger == subtract(
        intersect(expected, proven([b for b, _ in rows], timeframe)), rejected
    )
