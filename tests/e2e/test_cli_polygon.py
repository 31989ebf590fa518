"""`chronox-cli` with the vendor source, against the Polygon stub on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from chronox_domain import Interval, SessionKind, Timeframe
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub

KEY = "pk-e2e-SECRET-7f3a9c"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> PolygonStub:
    stub.faults.clear()
    stub.reset_log()
    stub.splits = {}
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    return stub


def rth_bars(stub: PolygonStub, calendar: object, first: date, last: date) -> list[object]:
    sessions = calendar.sessions(first, last, SessionKind.RTH)  # type: ignore[attr-defined]
    window = Interval(sessions[0].open, sessions[-1].close)
    return [
        b
        for b in stub.expected_bars("SPY", Timeframe.M1, window)
        if any(s.open <= b.start < s.close for s in sessions)
    ]


def test_ingest_stores_exactly_the_bars_the_vendor_served(
    cli: Cli, vendor: PolygonStub, calendar: object
) -> None:
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--json")
    assert result.code == 0, result.err
    body = result.json()
    expected = rth_bars(vendor, calendar, date(2024, 11, 25), date(2024, 11, 27))
    assert body["source"] == "polygon" and body["demo"] is False  # the default with a key
    assert body["bars_written"] == len(expected)
    assert body["requests"] == len(vendor.aggs_requests()) == 1
    exported = cli("bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--format", "csv")
    closes = [float(line.split(",")[6]) for line in exported.out.splitlines()[1:]]
    assert closes == [b.close for b in expected]  # type: ignore[attr-defined]
    again = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--json").json()
    assert again["requests"] == 0 and len(vendor.aggs_requests()) == 1


def test_faults_within_the_retry_budget_still_complete(cli: Cli, vendor: PolygonStub) -> None:
    vendor.faults.rate_limit(2, retry_after=0)
    vendor.faults.server_errors([502])
    vendor.faults.malformed(1)
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25", "--json")
    assert result.code == 0, result.err
    assert result.json()["bars_written"] > 380
    # Each retry of a failure is logged, one line each; a 429 is normal traffic
    # against a quota, said at INFO only.
    assert "server error 502" in result.err and "malformed JSON" in result.err
    assert "rate limited" not in result.err


def test_an_exhausted_budget_is_one_line_and_writes_nothing(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "1")
    monkeypatch.setenv("CHRONOX_LOG_LEVEL", "ERROR")
    vendor.faults.server_errors([503] * 5)
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25")
    assert result.code == 3
    assert result.err.strip().splitlines() == [
        line for line in result.err.strip().splitlines() if line.startswith("error: ")
    ]
    assert "503" in result.err and len(result.err.strip().splitlines()) == 1
    assert cli("info", "--json").json()["counts"]["bars"] == 0


def test_a_wrong_key_is_one_clear_line(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLYGON_API_KEY", "not-the-key")
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25")
    assert result.code == 3
    assert (
        result.err.strip()
        == "error: the vendor refused the API key (401: Unknown API Key); check POLYGON_API_KEY"
    )


def test_a_new_split_fetches_no_history_again(cli: Cli, vendor: PolygonStub) -> None:
    """Bars are stored as traded (issue 19): a split changes how they read, not what is
    stored, so a backfill after it re-fetches nothing (the old flow fetched again every
    window before it)."""
    cli("registry", "add", "SPY")
    assert cli("backfill", "--start", "2024-11-25", "--end", "2024-11-26").code == 0
    vendor.splits = {"SPY": [(date(2024, 11, 26), 1, 2)]}
    vendor.reset_log()
    result = cli("backfill", "--start", "2024-11-25", "--end", "2024-11-26", "--json")
    body = result.json()
    assert "splits" not in body and body["windows_fetched"] == 0
    assert vendor.aggs_requests() == []
    vendor.splits = {}


def test_the_key_never_reaches_any_output(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = [
        cli("info"),
        cli("info", "--json"),
        cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25"),
    ]
    vendor.faults.server_errors([503] * 20)
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "2")
    outputs.append(cli("ingest", "SPY", "--start", "2024-11-26", "--end", "2024-11-26"))
    monkeypatch.setenv("CHRONOX_LOG_LEVEL", "DEBUG")
    outputs.append(cli("ingest", "QQQ", "--start", "2024-11-26", "--end", "2024-11-26"))
    for result in outputs:
        assert KEY not in result.out and KEY not in result.err
    assert "vendor key:       set" in outputs[0].out


def test_a_year_of_minutes_takes_exactly_the_planned_requests(
    vendor: PolygonStub, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli = Cli(capsys, f"sqlite:///{tmp_path / 'year.sqlite3'}")
    result = cli("ingest", "SPY", "--start", "2024-01-01", "--end", "2024-12-31", "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert body["requests"] == len(vendor.aggs_requests()) == 5
    assert body["windows_fetched"] == 252
    assert body["bars_written"] > 252 * 390 * 0.98


def test_a_plan_limit_refuses_its_windows_and_stores_the_rest(
    cli: Cli, vendor: PolygonStub
) -> None:
    vendor.history_from = date(2024, 3, 1)
    try:
        result = cli("ingest", "SPY", "--start", "2024-01-02", "--end", "2024-04-30", "--json")
    finally:
        vendor.history_from = None
    assert result.code == 3
    body = result.json()
    assert body["windows_refused"] > 0 and body["bars_written"] > 0
    (refused, *_) = body["refused"]
    assert refused["symbol"] == "SPY" and refused["start"].startswith("2024-01-02")
    assert (
        "NOT_AUTHORIZED" in refused["reason"] and "Your plan doesn't include" in refused["reason"]
    )
    (line,) = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: the source refused ") and "the rest is stored" in line
    assert KEY not in result.out + result.err


def test_an_empty_answer_is_unconfirmed_until_rechecked(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor.faults.null_results(1)
    first = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--json").json()
    assert (first["windows_unconfirmed"], first["windows_empty"], first["bars_written"]) == (
        3,
        0,
        0,
    )
    assert cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--json").json() == []
    listed = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--holes", "--json")
    assert [w["kind"] for w in listed.json()] == ["unconfirmed"] * 3
    table = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--holes")
    assert "unconfirmed" in table.out

    monkeypatch.setenv("CHRONOX_EMPTY_RECHECK_HOURS", "0")  # due at the next run
    second = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--json").json()
    assert (second["requests"], second["windows_rechecked"]) == (1, 3)
    assert second["bars_written"] > 3 * 380
    again = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-27", "--holes", "--json")
    assert "unconfirmed" not in {w["kind"] for w in again.json()}
