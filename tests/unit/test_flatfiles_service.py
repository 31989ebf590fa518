"""The day-file rules of FlatFilesService over a fake DayFiles and the memory store."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from chronox_domain import Bar, Timeframe
from chronox_domain.dayfiles import DayFile, DayFileKind, DayFileMissing, DayFileRead, TickerRows
from chronox_domain.services.flatfiles import FlatFilesRequest
from chronox_domain.session import exchange_timezone
from tests.conftest import Stack

DAY = date(2024, 1, 3)


def minute(symbol: str, hour: int, minute: int, close: float = 10.0) -> Bar:
    start = datetime(2024, 1, 3, hour, minute, tzinfo=exchange_timezone()).astimezone(UTC)
    return Bar(symbol, Timeframe.M1, start, 10.0, 11.0, 9.0, close, 100.0, None, 3)


class FakeDayFiles:
    name = "flatfiles"

    def __init__(self) -> None:
        self.files: dict[date, tuple[str, list[TickerRows]]] = {}
        self.reads: list[tuple[date, tuple[str, ...] | None]] = []

    def head(self, day: date, kind: DayFileKind) -> DayFile | DayFileMissing:
        if day not in self.files:
            return DayFileMissing(day, kind, "403 AccessDenied")
        return DayFile(day, kind, self.files[day][0])

    def read(
        self, day: date, kind: DayFileKind, tickers: Collection[str] | None
    ) -> DayFileRead | DayFileMissing:
        found = self.head(day, kind)
        if isinstance(found, DayFileMissing):
            return found
        self.reads.append((day, None if tickers is None else tuple(sorted(tickers))))
        rows = [r for r in self.files[day][1] if tickers is None or r.ticker in tickers]
        return DayFileRead(found, iter(rows))


def service(stack: Stack, files: FakeDayFiles):  # type: ignore[no-untyped-def]
    container = stack(day_files=files)
    return container, container.flatfiles()


def test_absent_ticker_is_final_empty_and_an_unchanged_day_is_not_read(stack: Stack) -> None:
    files = FakeDayFiles()
    twice = [minute("SPY", 9, 30), minute("SPY", 9, 30)]
    files.files[DAY] = ('"e1"', [TickerRows.from_bars("SPY", twice)])
    container, flat = service(stack, files)
    request = FlatFilesRequest(("SPY", "ZZZ"), Timeframe.M1, DAY, DAY)
    report = flat.ingest(request)
    assert (report.days_read, report.bars_written, report.rows_duplicated) == (1, 1, 1)
    assert report.ticker_days_empty == 1
    spans = container.repository().coverage("ZZZ", Timeframe.M1)
    assert [(str(s.status), s.source, s.etag) for s in spans] == [("final", "flatfiles", '"e1"')]
    again = flat.ingest(request)
    assert again.days_skipped_unchanged == 1 and len(files.reads) == 1
    files.files[DAY] = ('"e2"', files.files[DAY][1])
    assert flat.ingest(request).days_republished == 1 and len(files.reads) == 2


def test_a_bad_row_uncovers_its_slot_and_a_conflict_the_session(stack: Stack) -> None:
    files = FakeDayFiles()
    off_grid = minute("SPY", 10, 0)._replace(
        start=minute("SPY", 10, 0).start + timedelta(seconds=30)
    )
    files.files[DAY] = (
        '"e1"',
        [
            TickerRows.from_bars("SPY", [minute("SPY", 9, 30), off_grid]),
            TickerRows.from_bars("QQQ", [minute("QQQ", 9, 30), minute("QQQ", 9, 30, close=10.5)]),
        ],
    )
    container, flat = service(stack, files)
    report = flat.ingest(FlatFilesRequest(("SPY", "QQQ"), Timeframe.M1, DAY, DAY))
    assert report.bars_rejected == 1 and report.ticker_days_conflicted == 1
    spy = container.repository().coverage("SPY", Timeframe.M1)
    assert len(spy) == 2  # the session minus the rejected row's minute
    assert container.repository().coverage("QQQ", Timeframe.M1) == []


def test_a_missing_day_is_refused_and_writes_nothing(stack: Stack) -> None:
    files = FakeDayFiles()
    container, flat = service(stack, files)
    report = flat.ingest(FlatFilesRequest(("SPY",), Timeframe.M1, DAY, DAY))
    assert report.days_missing == 1 and report.refusals[0].reason == "403 AccessDenied"
    assert container.repository().coverage("SPY", Timeframe.M1) == []
