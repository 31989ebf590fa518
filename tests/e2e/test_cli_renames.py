"""A registry symbol follows its company across ticker changes (issue 19, item 4), through
`chronox-cli` against the Polygon stub on loopback, on SQLite and PostgreSQL.

The stub keeps each ticker's history as the vendor does: META's series is served under FB
for the sessions before 2022-06-09 and under META from that date; META asked for 2021
answers nothing. Its ticker events (the vendor's documented META example) give the change.
`registry add META` then `backfill` asks FB before the change and META from it, stores all
as META: `bars META` is one continuous series, `gaps META` shows no hole at the change,
`coverage META` names the vendor ticker of each span, and a second run asks nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain import Interval, SessionKind, Timeframe
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import documented

KEY = "pk-e2e-RENAMES-93b1"
CHANGE = date(2022, 6, 9)
#: The first minute that trades as META: midnight New York of the change date.
CHANGE_MOMENT = datetime(2022, 6, 9, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
YEARS = ("--start", "2020-01-02", "--end", "2024-12-31")


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    stub.reference = documented()
    stub.faults.clear()
    stub.reference_faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    yield stub


def asked(vendor: PolygonStub) -> list[tuple[str, datetime, datetime]]:
    """(ticker, from, inclusive to) of each aggregates request, bounds in milliseconds."""
    found = []
    for record in vendor.aggs_requests():
        parts = record.path.split("/")
        start, end = (datetime.fromtimestamp(int(ms) / 1000, UTC) for ms in parts[-2:])
        found.append((parts[4], start, end))
    return found


def csv_rows(cli: Cli, *args: str) -> list[list[str]]:
    result = cli("bars", *args, "--adjust", "none", "--format", "csv")
    assert result.code == 0, result.err
    return [line.split(",") for line in result.out.splitlines()[1:]]


def test_the_stub_serves_meta_before_the_change_only_as_fb(vendor: PolygonStub) -> None:
    reference = vendor.reference
    assert reference.traded_as("FB") is not None and reference.traded_as("META") is not None
    assert reference.traded_as("AAPL") is None  # no rename: served for every date


def test_registry_add_meta_then_backfill_is_one_series_through_the_rename(
    cli: Cli, vendor: PolygonStub, calendar: ExchangeCalendar
) -> None:
    added = cli("registry", "add", "META", "-t", "1d", "--json")
    assert added.code == 0, added.err
    assert added.json()["symbols"][0]["follow_renames"] is True
    done = cli("backfill", *YEARS, "--json")
    assert done.code == 0, done.err

    # FB for the sessions before the change, META from it: one request each (1d).
    requests = asked(vendor)
    assert [ticker for ticker, _, _ in requests] == ["FB", "META"]
    (_, fb_from, fb_to), (_, meta_from, _) = requests
    assert fb_from.date() == date(2020, 1, 2) and fb_to < datetime(2022, 6, 9, tzinfo=UTC)
    assert meta_from == datetime(2022, 6, 9, tzinfo=UTC)

    # Every session of 2020-2024 has its bar, stored as META: the company's series.
    rows = csv_rows(cli, "META", "-t", "1d", *YEARS)
    sessions = calendar.sessions(date(2020, 1, 2), date(2024, 12, 31), SessionKind.RTH)
    assert [row[2][:10] for row in rows] == [s.date.isoformat() for s in sessions]
    assert {row[0] for row in rows} == {"META"}
    whole = Interval(datetime(2020, 1, 2, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    served = vendor.expected_bars("META", Timeframe.D1, whole, adjusted=False)
    assert [float(row[6]) for row in rows] == [bar.close for bar in served]

    gaps = cli("gaps", "META", "-t", "1d", "--start", "2022-01-03", "--end", "2022-12-30",
               "--holes", "--json")  # fmt: skip
    assert gaps.code == 0, gaps.err
    assert gaps.json() == []

    ledger = cli("coverage", "META", "-t", "1d", "--json")
    assert ledger.code == 0, ledger.err
    spans = ledger.json()
    before = {s["ticker"] for s in spans if s["end"] <= "2022-06-09T00:00:00Z"}
    after = {s["ticker"] for s in spans if s["start"] >= "2022-06-09T00:00:00Z"}
    assert before == {"FB"} and after == {None}
    table = cli("coverage", "META", "-t", "1d")
    assert table.code == 0, table.err
    tickers = [line.split()[4] for line in table.out.splitlines()[1:]]
    assert set(tickers) == {"FB", "META"} and tickers.index("META") == tickers.count("FB")

    vendor.reset_log()
    again = cli("backfill", *YEARS, "--json")
    assert again.code == 0, again.err
    assert vendor.aggs_requests() == []


def test_ingest_across_the_change_asks_fb_then_meta_by_the_minute(
    cli: Cli, vendor: PolygonStub, calendar: ExchangeCalendar
) -> None:
    days = ("--start", "2022-06-01", "--end", "2022-06-15")
    result = cli("ingest", "META", *days, "--json")
    assert result.code == 0, result.err
    requests = asked(vendor)
    assert {ticker for ticker, _, _ in requests} == {"FB", "META"}
    assert all(end < CHANGE_MOMENT for ticker, _, end in requests if ticker == "FB")
    assert all(start >= CHANGE_MOMENT for ticker, start, _ in requests if ticker == "META")

    rows = csv_rows(cli, "META", *days)
    sessions = calendar.sessions(date(2022, 6, 1), date(2022, 6, 15), SessionKind.RTH)
    window = Interval(sessions[0].open, sessions[-1].close)
    served = [
        bar
        for bar in vendor.expected_bars("META", Timeframe.M1, window, adjusted=False)
        if any(s.open <= bar.start < s.close for s in sessions)
    ]
    assert len(rows) == len(served) == result.json()["bars_written"]
    assert [float(row[6]) for row in rows] == [bar.close for bar in served]
    assert {row[2][:10] for row in rows} >= {"2022-06-08", "2022-06-09"}

    # No gap; the only holes are minutes the company did not trade (on either ticker).
    gaps = cli("gaps", "META", *days, "--holes", "--json")
    assert gaps.code == 0, gaps.err
    traded = {bar.start for bar in served}
    for hole in gaps.json():
        assert hole["kind"] == "hole", hole
        start = datetime.fromisoformat(hole["start"])
        assert hole["bars"] == 1 and start not in traded
    vendor.reset_log()
    again = cli("ingest", "META", *days, "--json")
    assert again.json()["requests"] == 0 and vendor.aggs_requests() == []


def test_no_follow_renames_asks_only_meta_and_the_time_before_is_unlisted(
    cli: Cli, vendor: PolygonStub
) -> None:
    added = cli("registry", "add", "META", "-t", "1d", "--no-follow-renames", "--json")
    assert added.code == 0, added.err
    assert added.json()["symbols"][0]["follow_renames"] is False
    listed = cli("registry", "list")
    assert "literal" in listed.out
    days = ("--start", "2022-06-01", "--end", "2022-06-15")
    done = cli("backfill", *days, "--json")
    assert done.code == 0, done.err
    requests = asked(vendor)
    assert [ticker for ticker, _, _ in requests] == ["META"]
    assert requests[0][1] == datetime(2022, 6, 9, tzinfo=UTC)

    gaps = cli("gaps", "META", "-t", "1d", *days, "--holes", "--json")
    assert gaps.code == 0, gaps.err
    found = gaps.json()
    assert found and {g["kind"] for g in found} == {"unlisted"}
    assert found[0]["start"].startswith("2022-06-01") and found[-1]["end"].startswith("2022-06-09")


def test_ingest_no_follow_renames_asks_only_the_literal_ticker(
    cli: Cli, vendor: PolygonStub
) -> None:
    result = cli("ingest", "META", "-t", "1d", "--start", "2022-06-01", "--end", "2022-06-15",
                 "--no-follow-renames", "--json")  # fmt: skip
    assert result.code == 0, result.err
    assert {ticker for ticker, _, _ in asked(vendor)} == {"META"}


def test_the_api_registers_the_choice_and_its_coverage_names_the_ticker(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /symbols takes ``follow_renames`` (default true); a backfill job follows it;
    GET /coverage names the vendor ticker of each span."""
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    app = create_app(Container(settings=Settings(store=sqlite_cli.store)))
    with TestClient(app) as api:
        default = api.post("/symbols", json={"symbol": "META", "timeframes": ["1d"]})
        assert default.status_code == 201 and default.json()["follow_renames"] is True
        asked_for = {"symbols": ["META"], "start": "2022-06-01", "end": "2022-06-15"}
        (job,) = api.post("/backfill", json=asked_for).json()
        deadline = time.monotonic() + 30
        while (found := api.get(f"/jobs/{job['id']}").json())["state"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert found["state"] == "succeeded", found
        spans = api.get("/coverage/META", params={"timeframe": "1d"}).json()
        assert {span["ticker"] for span in spans} == {"FB", None}
        literal = {"symbol": "META", "timeframes": ["1d"], "follow_renames": False}
        assert api.post("/symbols", json=literal).json()["follow_renames"] is False
        assert api.get("/symbols/META").json()["follow_renames"] is False
    assert [ticker for ticker, _, _ in asked(vendor)] == ["FB", "META"]
