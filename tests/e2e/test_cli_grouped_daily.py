"""``ingest --all -t 1d --source polygon``: the whole market's daily bars from the
grouped daily endpoint of the Polygon stub, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from chronox_domain import Interval, Timeframe
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub

KEY = "pk-grouped-SECRET-51d0"
# 2024-11-25..29: Thanksgiving (the 28th) is a holiday, the 29th an early close.
WEEK = ("--start", "2024-11-25", "--end", "2024-11-29")
SESSIONS = ["2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29"]
MARKET = ["AAPL", "BRK.A", "KIMpL", "MSFT"]


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        running.grouped.market = [*MARKET, "OTCX"]
        running.grouped.otc = {"OTCX"}
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> PolygonStub:
    stub.faults.clear()
    stub.reset_log()
    stub.splits = {}
    stub.history_from = None
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    return stub


def asked_dates(stub: PolygonStub) -> list[str]:
    return [record.path.rsplit("/", 1)[-1] for record in stub.grouped_requests()]


def test_one_request_per_session_then_nothing(cli: Cli, vendor: PolygonStub) -> None:
    first = cli("ingest", "--all", "-t", "1d", "--source", "polygon", *WEEK, "--json")
    assert first.code == 0, first.err
    body = first.json()
    assert asked_dates(vendor) == SESSIONS  # the holiday is not asked
    assert all(
        r.query == {"adjusted": "false", "include_otc": "false"} for r in vendor.grouped_requests()
    )
    assert (body["requests"], body["days_read"], body["tickers"]) == (4, 4, len(MARKET))
    assert body["bars_written"] == 4 * len(MARKET)
    # Every ticker's daily bar, the vendor's numbers, stamped with its session date.
    week = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC))
    for ticker in MARKET:
        stored = cli(
            "bars", ticker, "-t", "1d", *WEEK, "--adjust", "none", "--format", "json"
        ).json()
        served = vendor.expected_bars(ticker, Timeframe.D1, week, adjusted=False)
        assert [b["close"] for b in stored["bars"]] == [b.close for b in served]
        gaps = cli("gaps", ticker, "-t", "1d", *WEEK, "--json")
        assert gaps.json() == [], gaps.out
    assert (
        "OTCX"
        not in cli("bars", "OTCX", "-t", "1d", *WEEK, "--format", "csv").out.split("\n", 1)[-1]
    )
    vendor.reset_log()
    again = cli("ingest", "--all", "-t", "1d", "--source", "polygon", *WEEK, "--json").json()
    assert asked_dates(vendor) == [] and again["requests"] == 0 and again["days_skipped"] == 4
    # A single symbol's ingest finds nothing to ask either: the same ledger.
    one = cli("ingest", "MSFT", "-t", "1d", "--source", "polygon", *WEEK, "--json").json()
    assert one["requests"] == 0


def test_a_refused_date_stays_a_gap_and_is_asked_next_run(cli: Cli, vendor: PolygonStub) -> None:
    vendor.history_from = date(2024, 11, 27)
    refused = cli("ingest", "--all", "-t", "1d", "--source", "polygon", *WEEK, "--json")
    assert refused.code == 3, refused.err
    body = refused.json()
    assert body["days_read"] == 2 and body["windows_refused"] == 2
    assert [r["day"] for r in body["refused"]] == ["2024-11-25", "2024-11-26"]
    vendor.history_from = None
    vendor.reset_log()
    done = cli("ingest", "--all", "-t", "1d", "--source", "polygon", *WEEK, "--json")
    assert done.code == 0, done.err
    assert asked_dates(vendor) == ["2024-11-25", "2024-11-26"]


def test_all_elsewhere_is_one_line(cli: Cli, vendor: PolygonStub) -> None:
    for args in (["-t", "1m", "--source", "polygon"], ["-t", "1d", "--source", "synthetic"]):
        result = cli("ingest", "--all", *args, *WEEK)
        assert result.code == 2 and "--all goes with" in result.err
        assert len(result.err.strip().splitlines()) == 1
    named = cli("ingest", "--all", "SPY", "-t", "1d", "--source", "polygon", *WEEK)
    assert named.code == 2 and "name no SYMBOLS" in named.err
