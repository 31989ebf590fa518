"""`ingest` and `backfill` keep the corporate actions of the symbols they touch current
before planning a bar request (issue 19, item 2), through the Polygon stub on loopback:
no `actions sync` first, yet a symbol listed in 2020 asked from 2015 costs no request
before its listing date (SNOW's first session 2020-09-16, the stub's ticker overview).
At most one sync per symbol per New York day; a vendor that fails the reference
endpoints, or does not know the ticker, never stops the bars (one WARNING line)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import documented

KEY = "pk-e2e-INGEST-SYNC-7d30"
LISTED = date(2020, 9, 16)
#: The reference endpoints of one symbol's sync: overview, events, splits, dividends.
REQUESTS_PER_SYMBOL = 4
OVERVIEW = "/v3/reference/tickers/"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    stub.reference = documented()
    stub.known_tickers = None
    stub.reference_faults.clear()
    stub.faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    yield stub
    stub.reference_faults.clear()


def first_days_asked(vendor: PolygonStub) -> list[date]:
    """The UTC date of each aggregates request's ``from`` (milliseconds)."""
    return [
        datetime.fromtimestamp(int(record.path.split("/")[-2]) / 1000, UTC).date()
        for record in vendor.aggs_requests()
    ]


def overviews_asked(vendor: PolygonStub) -> Counter[str]:
    """How many times each ticker's overview (the first request of its sync) was asked."""
    return Counter(
        record.path.removeprefix(OVERVIEW)
        for record in vendor.reference_requests()
        if record.path.startswith(OVERVIEW) and "/" not in record.path.removeprefix(OVERVIEW)
    )


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("WARNING")]


def test_an_ingest_from_2015_asks_nothing_before_the_listing(cli: Cli, vendor: PolygonStub) -> None:
    result = cli("ingest", "SNOW", "-t", "1d", "--start", "2015-01-02", "--end", "2020-10-30")
    assert result.code == 0, result.err
    days = first_days_asked(vendor)
    assert days and min(days) == LISTED
    assert len(vendor.reference_requests()) == REQUESTS_PER_SYMBOL
    # The reference requests were all made before the first bar request.
    first_aggs = vendor.aggs_requests()[0].at
    assert all(record.at < first_aggs for record in vendor.reference_requests())
    assert cli("actions", "SNOW", "--json").json()["listing"]["listed"] == "2020-09-16"


def test_a_second_ingest_the_same_day_asks_no_reference(
    sqlite_cli: Cli, vendor: PolygonStub
) -> None:
    first = sqlite_cli("ingest", "SNOW", "-t", "1d", "--start", "2020-09-01", "--end", "2020-10-30")
    assert first.code == 0, first.err
    vendor.reset_log()
    again = sqlite_cli(
        "ingest", "SNOW", "-t", "1h", "--start", "2020-09-01", "--end", "2020-09-30", "--json"
    )
    assert again.code == 0, again.err
    assert vendor.reference_requests() == []
    assert again.json()["requests"] > 0 and min(first_days_asked(vendor)) == LISTED


def test_a_backfill_syncs_each_registry_symbol_once(sqlite_cli: Cli, vendor: PolygonStub) -> None:
    for symbol in ("AAPL", "SNOW", "TWTR"):
        added = sqlite_cli("registry", "add", symbol, "-t", "1d", "-t", "1h")
        assert added.code == 0, added.err
    result = sqlite_cli("backfill", "--start", "2022-10-03", "--end", "2022-10-14", "--json")
    assert result.code == 0, result.err
    assert overviews_asked(vendor) == {"AAPL": 1, "SNOW": 1, "TWTR": 1}
    assert len(vendor.reference_requests()) == 3 * REQUESTS_PER_SYMBOL
    # The daemon's next pass, the same day: the actions are fresh, nothing is asked.
    vendor.reset_log()
    again = sqlite_cli("backfill", "--start", "2022-10-03", "--end", "2022-10-14")
    assert again.code == 0, again.err
    assert vendor.reference_requests() == []


def test_an_api_backfill_job_syncs_before_its_bars(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /backfill runs as a job (the in-process queue's worker, the pipeline the
    Redis workers and the daemon run too): SNOW's listing is synced by the job itself."""
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    app = create_app(Container(settings=Settings(store=sqlite_cli.store)))
    with TestClient(app) as api:
        api.post("/symbols", json={"symbol": "SNOW", "timeframes": ["1d"]})
        asked = {"symbols": ["SNOW"], "start": "2015-01-02", "end": "2020-10-30"}
        (job,) = api.post("/backfill", json=asked).json()
        deadline = time.monotonic() + 30
        while (found := api.get(f"/jobs/{job['id']}").json())["state"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert found["state"] == "succeeded", found
    assert min(first_days_asked(vendor)) == LISTED
    assert overviews_asked(vendor) == {"SNOW": 1}


def test_a_vendor_failing_the_reference_endpoints_does_not_stop_the_bars(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "1")
    vendor.reference_faults.server_errors([503] * 10)
    result = sqlite_cli(
        "ingest", "SNOW", "-t", "1d", "--start", "2020-08-03", "--end", "2020-10-30", "--json"
    )
    assert result.code == 0, result.err
    assert result.json()["bars_written"] > 0
    # One line says what it means for the ingest (the retries say theirs before it).
    lines = [line for line in warnings(result.err) if "not synced" in line]
    assert len(lines) == 1 and "SNOW" in lines[0] and "listing period" in lines[0]
    # Without the listing period, the whole range was asked (as before any sync).
    assert min(first_days_asked(vendor)) == date(2020, 8, 3)


def test_a_backfill_stops_asking_a_failing_vendor_for_actions_but_not_for_bars(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One sync for the backfill's five symbols: after three failures in a row the
    other two are not asked (one line names them), and every symbol's bars are stored."""
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "0")
    symbols = ("AAPL", "META", "MSFT", "SNOW", "SPY")
    for symbol in symbols:
        assert sqlite_cli("registry", "add", symbol, "-t", "1d").code == 0
    vendor.reference_faults.server_errors([503] * 3)
    result = sqlite_cli("backfill", "--start", "2022-10-03", "--end", "2022-10-07", "--json")
    assert result.code == 0, result.err
    assert sum(overviews_asked(vendor).values()) == 3
    lines = [line for line in warnings(result.err) if "not synced" in line]
    assert [line.split()[4] for line in lines[:3]] == ["AAPL", "META", "MSFT"]
    assert len(lines) == 4 and "SNOW, SPY not synced (not tried after 3" in lines[3]
    assert {part["symbol"] for part in result.json()["series"] if part["bars_written"]} == set(
        symbols
    )


def test_an_unknown_ticker_is_said_once_and_the_ingest_goes_on(
    sqlite_cli: Cli, vendor: PolygonStub
) -> None:
    vendor.known_tickers = {"AAPL"}
    result = sqlite_cli(
        "ingest", "ZZZZ", "-t", "1d", "--start", "2022-10-03", "--end", "2022-10-14", "--json"
    )
    assert result.code == 0, result.err
    lines = warnings(result.err)
    assert len(lines) == 1 and "does not know ZZZZ" in lines[0]
    assert result.json()["bars_written"] == 0


def test_the_synthetic_source_syncs_nothing(sqlite_cli: Cli, vendor: PolygonStub) -> None:
    result = sqlite_cli(
        "ingest", "SNOW", "-t", "1d", "--start", "2015-01-02", "--end", "2015-03-31",
        "--source", "synthetic", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["requests"] > 0 and vendor.requests == []
    assert warnings(result.err) == []
    # Nothing stored as SNOW's actions: a bundle of "none" would hide the vendor's.
    assert sqlite_cli("actions", "SNOW").code != 0


def test_an_ingest_refused_before_planning_asks_no_reference(
    sqlite_cli: Cli, vendor: PolygonStub
) -> None:
    """A request refused up front (SNOW stored from another source, no --force) spends
    nothing on the vendor: the check comes before the sync."""
    asked = ("-t", "1d", "--start", "2020-09-16", "--end", "2020-09-30")
    stored = sqlite_cli("ingest", "SNOW", *asked, "--source", "synthetic")
    assert stored.code == 0, stored.err
    refused = sqlite_cli("ingest", "SNOW", *asked)
    assert refused.code == 2 and "synthetic" in refused.err
    assert vendor.requests == []
