"""The one presentation layer: each model's JSON shape (the CLI's ``--json`` keys and the
API's bodies are a public contract), and the domain use cases the interfaces now share
(health, demo-ness, bar pages and chunks, gap listings)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.memory import InProcessBus, MemoryRepository
from chronox_adapters.memory.source import MemorySource
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import Interval, SessionKind, Timeframe
from chronox_domain.bar import Bar
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import InvalidRange, StorageUnavailable
from chronox_domain.events import BarEvent
from chronox_domain.gaps import GapWindow
from chronox_domain.jobs import Job, JobSpec, JobState
from chronox_domain.ports import MarketDataRepository
from chronox_domain.registry import SymbolEntry
from chronox_domain.services import (
    BackfillReport,
    GapKind,
    IngestReport,
    IngestRequest,
    Missing,
    StatusService,
    demo_data,
)
from chronox_domain.services.ingestion import Refusal
from chronox_entrypoints.bar_events import event_fields
from chronox_entrypoints.container import Container
from chronox_presentation import (
    BackfillReportOut,
    BarEventOut,
    BarsPage,
    CoverageOut,
    GapOut,
    HealthOut,
    InfoDetailOut,
    InfoOut,
    IngestReportOut,
    JobDetailOut,
    JobOut,
    QueuedJobOut,
    StoredBarsOut,
    SymbolOut,
)
from tests.conftest import Stack

START = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
END = datetime(2024, 11, 25, 21, 0, tzinfo=UTC)
BAR = Bar("SPY", Timeframe.M1, START, 10.0, 11.0, 9.5, 10.5, 1200.0, 10.2, 7)
BAR_FIELDS = ["start", "open", "high", "low", "close", "volume", "vwap", "trades"]
REPORT_FIELDS = [
    "source", "demo", "bars_written", "windows_fetched", "windows_empty",
    "windows_unconfirmed", "windows_rechecked", "windows_refused", "bars_rejected",
    "requests", "rejections", "refused",
]  # fmt: skip


def dumped(model: object) -> dict[str, object]:
    from pydantic import BaseModel

    assert isinstance(model, BaseModel)
    return model.model_dump(mode="json")


def a_job(**changes: object) -> Job:
    fields: dict[str, object] = {
        "id": "a1",
        "spec": JobSpec(("SPY",), date(2024, 11, 25), None),
        "state": JobState.FAILED,
        "done": 1,
        "total": 2,
        "counts": {"bars_written": 3},
        "error": "vendor said: apiKey=k3y refused",
        "worker": "w1",
        "attempts": 1,
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


def test_the_models_import_without_fastapi() -> None:
    program = (
        "import sys, chronox_presentation\n"
        "assert 'fastapi' not in sys.modules and 'starlette' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", program], check=True)


def test_a_bar_and_a_bar_event() -> None:
    assert dumped(BarEventOut.of_event(BarEvent(BAR, provisional=True, source="polygon"))) == {
        "symbol": "SPY", "timeframe": "1m", "start": "2024-11-25T14:30:00Z", "open": 10.0,
        "high": 11.0, "low": 9.5, "close": 10.5, "volume": 1200.0, "vwap": 10.2, "trades": 7,
        "provisional": True, "source": "polygon", "demo": False,
    }  # fmt: skip
    event = BarEvent(BAR, provisional=False, source="synthetic")
    assert list(event_fields(event)) == list(dumped(BarEventOut.of_event(event)))


def test_gaps_and_coverage() -> None:
    window = GapWindow("SPY", Timeframe.M1, Interval(START, END))
    assert dumped(GapOut.of(Missing(window, GapKind.HOLE))) == {
        "symbol": "SPY", "timeframe": "1m", "start": "2024-11-25T14:30:00Z",
        "end": "2024-11-25T21:00:00Z", "bars": 390, "kind": "hole",
    }  # fmt: skip
    span = CoverageSpan(Interval(START, END), CoverageStatus.UNCONFIRMED, "polygon", END)
    assert dumped(CoverageOut.of(span)) == {
        "start": "2024-11-25T14:30:00Z", "end": "2024-11-25T21:00:00Z",
        "status": "unconfirmed", "source": "polygon", "answered_at": "2024-11-25T21:00:00Z",
        "ticker": None, "etag": None,
    }  # fmt: skip


def test_a_registry_entry() -> None:
    entry = SymbolEntry("BRK.B", (Timeframe.M1, Timeframe.H1), SessionKind.ETH, False)
    assert dumped(SymbolOut.of(entry)) == {
        "symbol": "BRK.B", "timeframes": ["1m", "1h"], "session": "eth", "active": False,
        "follow_renames": True,
    }  # fmt: skip


def test_a_job_as_the_api_and_the_cli_show_it() -> None:
    api = dumped(JobOut.of(a_job(), secrets=["k3y"]))
    assert list(api) == [
        "id", "state", "symbols", "kind", "timeframe", "done", "total", "counts", "error",
        "worker", "attempts",
    ]  # fmt: skip
    assert (api["kind"], api["timeframe"]) == ("backfill", None)
    assert api["error"] == "vendor said: apiKey=*** refused"
    cli = dumped(JobDetailOut.of(a_job()))
    assert set(cli) == set(api) | {"start", "end"}
    assert (cli["start"], cli["end"]) == ("2024-11-25", None)
    assert (cli["kind"], cli["timeframe"]) == ("backfill", None)
    assert dumped(QueuedJobOut.of(a_job())) == {
        "id": "a1", "symbols": ["SPY"], "kind": "backfill", "day": None, "timeframe": None,
    }  # fmt: skip


def test_a_day_file_job_as_the_cli_shows_it() -> None:
    spec = JobSpec.day_file(date(2024, 1, 3), Timeframe.M1)
    job = Job("d1", spec, JobState.QUEUED)
    cli = dumped(JobDetailOut.of(job))
    assert (cli["kind"], cli["timeframe"], cli["start"], cli["end"], cli["symbols"]) == (
        "day_file", "1m", "2024-01-03", "2024-01-03", [],
    )  # fmt: skip
    assert dumped(QueuedJobOut.of(job)) == {
        "id": "d1", "symbols": [], "kind": "day_file", "day": "2024-01-03", "timeframe": "1m",
    }  # fmt: skip
    assert spec.label == "day file 2024-01-03 1m (registry)"


def test_an_ingest_and_a_backfill_report() -> None:
    report = IngestReport("polygon", demo=False, bars_written=5, requests=2)
    report.refusals.append(Refusal("SPY", Timeframe.M1, Interval(START, END), "plan limit"))
    body = dumped(IngestReportOut.of(report))
    assert list(body) == REPORT_FIELDS
    assert body["refused"] == [
        {"symbol": "SPY", "timeframe": "1m", "start": "2024-11-25T14:30:00Z",
         "end": "2024-11-25T21:00:00Z", "reason": "plan limit"}
    ]  # fmt: skip
    result = BackfillReport(report, [("SPY", "1m", report)])
    whole = dumped(BackfillReportOut.of_backfill(result))
    assert list(whole) == [*REPORT_FIELDS, "series"]
    series = whole["series"]
    assert isinstance(series, list)
    assert list(series[0]) == ["symbol", "timeframe", *REPORT_FIELDS]


@dataclass
class _Store:
    url: str = "sqlite:///x.sqlite3"
    kind: str = "sqlite"


@dataclass
class _Settings:
    settle_minutes: int = 60
    mode: str = "unified"
    polygon_api_key: object | None = None
    redis_secret_free_url: str | None = None


def test_info_as_the_api_and_the_cli_show_it(calendar: ExchangeCalendar) -> None:
    parts = (_Store(), SyntheticSource(calendar), calendar, _Settings(), {"bars": 3})
    api = dumped(InfoOut.of(*parts))
    assert list(api) == ["version", "store", "source", "demo", "calendar", "counts"]
    assert api["demo"] is True and api["store"] == "sqlite:///x.sqlite3"
    cli = dumped(InfoDetailOut.of(*parts))
    assert set(cli) == set(api) | {
        "store_kind", "calendar_range", "settle_minutes", "mode", "vendor_key", "events"
    }  # fmt: skip
    assert cli["calendar_range"] == [
        calendar.first_date.isoformat(),
        calendar.last_date.isoformat(),
    ]
    assert (cli["vendor_key"], cli["events"]) == ("not set", "in-process")


# --- health -------------------------------------------------------------------------


class _Publisher(InProcessBus):
    def __init__(self, line: str) -> None:
        super().__init__()
        self._line = line

    def health(self) -> str:
        return self._line


def test_health_when_everything_answers() -> None:
    status = StatusService(MemoryRepository, InProcessBus, vendor_configured=False)
    assert dumped(HealthOut.of(status.health())) == {
        "status": "ok", "store": "ok", "events": "in-process", "vendor": "synthetic (demo data)"
    }  # fmt: skip


def test_an_unreachable_store_or_bus_is_reported_not_raised() -> None:
    def unreachable() -> MarketDataRepository:
        raise StorageUnavailable("connection refused")

    health = StatusService(unreachable, InProcessBus, vendor_configured=True).health()
    assert not health.ok and health.events.ok
    assert health.store.detail == "unavailable: connection refused"
    line = "redis at 127.0.0.1:6379 unavailable: refused"
    health = StatusService(MemoryRepository, lambda: _Publisher(line), True).health()
    assert not health.ok and health.store.ok
    assert dumped(HealthOut.of(health))["events"] == line
    assert dumped(HealthOut.of(health))["vendor"] == "configured"


def test_demo_data_is_told_by_the_ledger_names_of_demo_sources(
    calendar: ExchangeCalendar,
) -> None:
    synthetic = SyntheticSource(calendar)
    assert synthetic.demo and demo_data([synthetic.name])
    vendor = MemorySource(name="polygon")
    assert not vendor.demo and not demo_data([vendor.name, "files"])


# --- bars and gaps ------------------------------------------------------------------


@pytest.fixture
def stored(stack: Stack) -> Container:
    """The application on a memory store holding SPY's synthetic minutes of two sessions."""
    app = stack()
    app.ingestion().ingest(
        IngestRequest(("SPY",), start=date(2024, 11, 25), end=date(2024, 11, 26))
    )
    return app


def test_pages_follow_their_cursors_to_the_whole_range(stored: Container) -> None:
    service = stored.bars()
    first, last = date(2024, 11, 25), date(2024, 11, 26)
    whole = list(service.bars("SPY", Timeframe.M1, first, last))
    seen: list[Bar] = []
    cursor: datetime | None = None
    while True:
        page = service.page("spy", Timeframe.M1, first, last, limit=300, cursor=cursor)
        assert page.symbol == "SPY" and len(page.bars) <= 300
        seen += page.bars
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == whole and len(whole) > 600
    body = dumped(BarsPage.of(page))
    assert list(body) == [
        "symbol",
        "timeframe",
        "bars",
        "derived_from",
        "demo",
        "next_cursor",
        "adjust",
    ]
    assert list(body["bars"][0]) == BAR_FIELDS  # type: ignore[index]
    with pytest.raises(InvalidRange, match="outside the asked range"):
        service.page(
            "SPY", Timeframe.M1, first, last, limit=5, cursor=datetime(2024, 1, 2, tzinfo=UTC)
        )


def test_chunks_cover_the_range_once(stored: Container) -> None:
    service = stored.bars()
    first, last = date(2024, 11, 25), date(2024, 11, 26)
    chunks = list(service.chunks("SPY", Timeframe.M1, first, last, size=100))
    assert all(len(chunk) == 100 for chunk in chunks[:-1]) and len(chunks[-1]) <= 100
    assert [bar for chunk in chunks for bar in chunk] == list(
        service.bars("SPY", Timeframe.M1, first, last)
    )
    with pytest.raises(InvalidRange):  # bad input raises at the call, not mid-stream
        service.chunks("SPY", Timeframe.M1, last, first, size=100)


def test_a_series_says_where_its_bars_come_from(stored: Container) -> None:
    service = stored.bars()
    series = service.series("SPY", Timeframe.M5, date(2024, 11, 25), date(2024, 11, 25))
    body = dumped(StoredBarsOut.of(series))
    assert list(body) == [
        "symbol",
        "timeframe",
        "sources",
        "derived_from",
        "demo",
        "adjust",
        "bars",
    ]
    assert body["sources"] == ["synthetic"] and body["derived_from"] == "1m"
    assert body["demo"] is True and len(body["bars"]) == 78  # type: ignore[arg-type]


def test_a_gap_report_lists_every_kind_by_symbol_then_start(stored: Container) -> None:
    service = stored.gaps()
    report = service.report(
        ["SPY", "QQQ"], Timeframe.M1, SessionKind.RTH, date(2024, 11, 25), date(2024, 11, 27),
        holes=True,
    )  # fmt: skip
    keys = [(m.window.symbol, m.window.interval.start) for m in report.missing]
    assert keys == sorted(keys) and {symbol for symbol, _ in keys} == {"QQQ", "SPY"}
    assert {m.kind for m in report.missing} >= {GapKind.GAP, GapKind.HOLE}
    assert report.demo  # SPY's stored bars are synthetic
    alone = service.report(["QQQ"], Timeframe.M1, SessionKind.RTH, date(2024, 11, 25))
    assert not alone.demo
