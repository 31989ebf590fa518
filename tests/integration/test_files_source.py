"""Backfilling from files: the ledger holds what the file's rows prove, no more.

Per session, from its first row's slot to its last row's slot end: a day missing from
the file, or the rest of a day the file was cut off in, stays a gap that a complete
file (or the vendor) fills later; a bad row leaves its own slot a gap and nothing else.
"""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chronox_adapters.files import FileSource
from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageStatus, of_status
from chronox_domain.errors import MalformedData
from chronox_domain.interval import Interval, IntervalList, union
from chronox_domain.services.ingestion import IngestReport, IngestRequest
from chronox_domain.session import SessionKind, slot_window
from chronox_domain.timeframe import Timeframe
from tests.conftest import Stack

pytestmark = pytest.mark.integration

VENDOR_HEADER = "ticker,volume,open,close,high,low,window_start,transactions"


def minute_row(ticker: str, start: datetime) -> str:
    window_start = int(start.timestamp()) * 1_000_000_000
    return f"{ticker},100,10.0,10.5,11.0,9.5,{window_start},3"


def test_a_winter_minute_file_fills_its_session_and_leaves_the_next_one_missing(
    tmp_path: Path, stack: Stack
) -> None:
    # The 2024-01-02 extended session (EST) runs 09:00Z .. 01:00Z on Jan 3; the file
    # has trades at its first and last minute and a few in between.
    session_open = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    minutes = [session_open + timedelta(minutes=m) for m in (0, 330, 331, 959)]
    path = tmp_path / "2024-01-02.csv.gz"
    lines = [VENDOR_HEADER, *(minute_row("AAPL", m) for m in minutes)]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    app = stack(source=FileSource(path))
    repository, coverage, ingestion = app.repository(), app.coverage(), app.ingestion()
    first, last = date(2024, 1, 2), date(2024, 1, 3)

    report = ingestion.ingest(IngestRequest(("AAPL",), Timeframe.M1, SessionKind.ETH, first, last))

    assert report.bars_written == 4
    two_days = Interval(session_open, session_open + timedelta(days=2))
    assert [bar.start for bar in repository.bars("AAPL", Timeframe.M1, two_days)] == minutes
    gaps = coverage.gaps(["AAPL"], Timeframe.M1, SessionKind.ETH, first, last)
    assert [(gap.interval.start, gap.interval.end) for gap in gaps] == [
        (datetime(2024, 1, 3, 9, 0, tzinfo=UTC), datetime(2024, 1, 4, 1, 0, tzinfo=UTC))
    ]


# --- chronox CSV through ingestion -----------------------------------------------------------

CHRONOX_HEADER = ["symbol", "timeframe", "start", "open", "high", "low", "close", "volume",
                  "vwap", "trades"]  # fmt: skip
FIRST, LAST = date(2024, 11, 25), date(2024, 11, 27)
#: The whole of the three days, in UTC.
DAYS = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 28, 2, tzinfo=UTC))
M1 = Timeframe.M1


class Files:
    """Synthetic bars written as ``chronox-cli bars --format csv`` does, and ingested back
    into one memory store with its ledger (the application's, each file its source)."""

    def __init__(self, tmp_path: Path, stack: Stack) -> None:
        self.tmp_path = tmp_path
        self.stack = stack
        self.calendar = stack.calendar
        self.app = stack()
        self.repository = self.app.repository()
        self.coverage = self.app.coverage()
        self._written = 0

    def synthetic(self, timeframe: Timeframe, session: SessionKind) -> list[Bar]:
        """What the synthetic source stores, ingested into a store of its own."""
        demo = self.stack()
        demo.ingestion().ingest(IngestRequest(("SPY",), timeframe, session, FIRST, LAST))
        return list(demo.repository().bars("SPY", timeframe, DAYS))

    def file(self, bars: list[Bar], *extra_rows: list[str]) -> Path:
        self._written += 1
        path = self.tmp_path / f"bars-{self._written}.csv"
        with path.open("w", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CHRONOX_HEADER)
            writer.writerows(row(bar) for bar in bars)
            writer.writerows(extra_rows)
        return path

    def ingest(
        self, path: Path, timeframe: Timeframe = M1, session: SessionKind = SessionKind.RTH
    ) -> IngestReport:
        ingestion = self.app.ingestion(source=FileSource(path))
        return ingestion.ingest(IngestRequest(("SPY",), timeframe, session, FIRST, LAST))

    def gaps(
        self, timeframe: Timeframe = M1, session: SessionKind = SessionKind.RTH
    ) -> IntervalList:
        found = self.coverage.gaps(["SPY"], timeframe, session, FIRST, LAST)
        return [gap.interval for gap in found]

    def stored(self, timeframe: Timeframe = M1) -> list[Bar]:
        return list(self.repository.bars("SPY", timeframe, DAYS))

    def covered(self, timeframe: Timeframe = M1) -> IntervalList:
        spans = self.repository.coverage("SPY", timeframe)
        final = of_status(spans, CoverageStatus.FINAL)
        return union(final, of_status(spans, CoverageStatus.PROVISIONAL))


def row(bar: Bar) -> list[object]:
    start = bar.start.strftime(
        "%Y-%m-%d" if bar.timeframe is Timeframe.D1 else "%Y-%m-%dT%H:%M:%SZ"
    )
    return [bar.symbol, bar.timeframe.value, start, bar.open, bar.high, bar.low, bar.close,
            bar.volume, "" if bar.vwap is None else bar.vwap,
            "" if bar.trades is None else bar.trades]  # fmt: skip


def inside(moment: datetime, spans: IntervalList) -> bool:
    return any(span.contains(moment) for span in spans)


def session_date(bar: Bar) -> date:
    """The New York date of a November bar (UTC-5), the stamped date of a daily one."""
    if bar.timeframe is Timeframe.D1:
        return bar.start.date()
    return (bar.start - timedelta(hours=5)).date()


@pytest.fixture
def files(tmp_path: Path, stack: Stack) -> Files:
    return Files(tmp_path, stack)


@pytest.mark.parametrize(
    ("timeframe", "session"),
    [
        (M1, SessionKind.RTH),
        (Timeframe.M5, SessionKind.RTH),
        (Timeframe.M15, SessionKind.ETH),
        (Timeframe.H1, SessionKind.RTH),
        (Timeframe.H1, SessionKind.ETH),
        (Timeframe.D1, SessionKind.RTH),
        (M1, SessionKind.ETH),
    ],
)
def test_a_day_dropped_from_a_file_stays_a_gap_that_the_complete_file_fills_later(
    files: Files, timeframe: Timeframe, session: SessionKind
) -> None:
    bars = files.synthetic(timeframe, session)
    middle = [bar for bar in bars if session_date(bar) == date(2024, 11, 26)]
    assert middle and len(middle) < len(bars)

    dropped = files.ingest(files.file([b for b in bars if b not in middle]), timeframe, session)

    assert (dropped.windows_empty, dropped.windows_unconfirmed) == (0, 0)
    assert dropped.bars_written == len(bars) - len(middle)
    [nov26] = files.calendar.sessions(date(2024, 11, 26), date(2024, 11, 26), session)
    expected = slot_window(nov26, timeframe)
    assert expected in files.gaps(timeframe, session)

    complete = files.ingest(files.file(bars), timeframe, session)

    assert complete.bars_written == len(middle)
    assert files.stored(timeframe) == bars
    proven = Interval(middle[0].start, middle[-1].start + timeframe.step)
    assert not any(gap.overlaps(proven) for gap in files.gaps(timeframe, session))


def test_the_issue_three_day_file_without_its_middle_day(files: Files) -> None:
    """The report of issue 13: 385 bars of Nov 26 lost for good, ``windows_empty: 1``."""
    bars = files.synthetic(M1, SessionKind.RTH)
    middle = [bar for bar in bars if bar.start.date() == date(2024, 11, 26)]

    files.ingest(files.file([bar for bar in bars if bar not in middle]))
    nov26 = Interval(
        datetime(2024, 11, 26, 14, 30, tzinfo=UTC), datetime(2024, 11, 26, 21, 0, tzinfo=UTC)
    )
    assert nov26 in files.gaps()
    report = files.ingest(files.file(bars))

    assert report.bars_written == len(middle) == 385
    assert files.stored() == bars


def test_a_file_cut_off_mid_session_covers_up_to_its_last_row(files: Files) -> None:
    bars = files.synthetic(M1, SessionKind.RTH)
    cut = datetime(2024, 11, 27, 17, 0, tzinfo=UTC)
    head = [bar for bar in bars if bar.start < cut]

    files.ingest(files.file(head))

    last_end = head[-1].start + M1.step
    assert files.gaps()[-1] == Interval(last_end, datetime(2024, 11, 27, 21, 0, tzinfo=UTC))
    report = files.ingest(files.file(bars))
    assert report.bars_written == len(bars) - len(head)
    assert files.stored() == bars
    assert all(gap.end <= bars[0].start or gap.start >= bars[-1].start for gap in files.gaps())


def test_a_rejected_row_leaves_only_its_own_slot_a_gap(files: Files) -> None:
    bars = files.synthetic(M1, SessionKind.RTH)
    bad = bars[100]
    broken = [*bars[:100], bad._replace(high=bad.low / 2), *bars[101:]]

    report = files.ingest(files.file(broken))

    assert report.bars_rejected == 1
    assert Interval(bad.start, bad.start + M1.step) in files.gaps()
    assert inside(bars[101].start, files.covered()) and inside(bars[99].start, files.covered())
    assert all(inside(bar.start, files.covered()) for bar in files.stored())


def test_duplicate_rows_are_stored_once_and_reported_as_stored(files: Files) -> None:
    bars = files.synthetic(M1, SessionKind.RTH)
    again = bars[:50]

    report = files.ingest(files.file(bars, *(row(bar) for bar in again)))

    assert report.bars_written == len(bars) == len(files.stored())


def test_conflicting_rows_refuse_the_file_and_write_nothing(files: Files) -> None:
    bars = files.synthetic(M1, SessionKind.RTH)
    other = bars[7]._replace(volume=bars[7].volume + 1)
    path = files.file(bars, row(other))

    with pytest.raises(MalformedData, match=f"lines 9, {len(bars) + 2}"):
        files.ingest(path)

    assert files.stored() == [] and files.repository.coverage("SPY", M1) == []


def test_a_row_off_the_grid_refuses_the_file_and_writes_nothing(files: Files) -> None:
    bars = files.synthetic(M1, SessionKind.RTH)
    off = bars[3]._replace(start=bars[3].start + timedelta(seconds=30))
    path = files.file([*bars[:4], off, *bars[4:]])

    with pytest.raises(MalformedData, match=r"bars-1\.csv:6: SPY start .* not on the 1m grid"):
        files.ingest(path)

    assert files.stored() == [] and files.repository.coverage("SPY", M1) == []
