"""``ingest --source flatfiles`` against a real S3-protocol server (moto on loopback)
holding day files in the vendor's exact format, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.e2e.conftest import Cli
from tests.flatfiles_stub.dayfile import day_key, delete_day_file, put_day_file
from tests.flatfiles_stub.market import (
    day_bars,
    market_day,
    with_conflicting_duplicate,
    with_duplicate,
    without_ticker,
)
from tests.flatfiles_stub.server import S3Server
from tests.polygon_stub import PolygonStub

DAYS = (date(2024, 1, 3), date(2024, 1, 4), date(2024, 1, 5))
TICKERS = ("AAPL", "BRK.A", "KIMpL", "SPY")
KEY = "pk-e2e-SECRET-flatfiles"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with S3Server() as server:
        monkeypatch.setenv("CHRONOX_FLATFILES_ENDPOINT", server.endpoint)
        monkeypatch.setenv("CHRONOX_FLATFILES_ACCESS_KEY_ID", server.access_key_id)
        monkeypatch.setenv("CHRONOX_FLATFILES_SECRET_ACCESS_KEY", server.secret_access_key)
        monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0")
        yield server


def _downloads(s3: S3Server) -> list[str]:
    return [str(r.key) for r in s3.requests() if r.is_download]


def _ingest(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli(
        "ingest", *args, "--source", "flatfiles", "--start", "2024-01-03", "--end",
        "2024-01-05", "--json",
    )  # fmt: skip
    assert result.out, result.err
    return result.code, result.json()


def test_one_command_ingests_days_then_downloads_nothing(cli: Cli, s3: S3Server) -> None:
    for day in DAYS:
        put_day_file(s3, day, market_day(day, TICKERS))
    code, first = _ingest(cli, "AAPL", "KIMpL", "BRK.A")
    assert code == 0, first
    assert first["days_read"] == 3 and first["symbols"] == 3
    assert sorted(_downloads(s3)) == sorted(day_key(day) for day in DAYS)
    bars = cli("bars", "KIMpL", "--start", "2024-01-03", "--end", "2024-01-05", "--format", "json")
    assert bars.code == 0 and bars.json(), bars.err
    s3.reset_log()
    code, again = _ingest(cli, "AAPL", "KIMpL", "BRK.A")
    assert code == 0 and again["days_skipped_unchanged"] == 3 and again["days_read"] == 0
    assert _downloads(s3) == []
    gaps = cli(
        "gaps", "AAPL", "KIMpL", "BRK.A", "--session", "eth", "--start", "2024-01-03",
        "--end", "2024-01-05", "--json",
    )  # fmt: skip
    assert gaps.code == 0 and gaps.json() == [], gaps.out


def test_a_republished_day_is_read_again_alone(cli: Cli, s3: S3Server) -> None:
    for day in DAYS:
        put_day_file(s3, day, market_day(day, TICKERS))
    assert _ingest(cli, "SPY")[0] == 0
    put_day_file(s3, DAYS[1], market_day(DAYS[1], TICKERS, seed=7))
    s3.reset_log()
    code, report = _ingest(cli, "SPY")
    assert code == 0 and report["days_republished"] == 1 and report["days_read"] == 1
    assert _downloads(s3) == [day_key(DAYS[1])]


def test_a_republished_day_without_a_minute_leaves_a_hole_there(cli: Cli, s3: S3Server) -> None:
    rows = market_day(DAYS[1], TICKERS)
    for day in DAYS:
        put_day_file(s3, day, rows if day == DAYS[1] else market_day(day, TICKERS))
    assert _ingest(cli, "SPY", "AAPL")[0] == 0
    # A regular-hours minute of SPY with a bar on each side: alone, a hole of one minute.
    spy = sorted(row.window_start_ns for row in rows if row.ticker == "SPY")
    minute = 60 * 1_000_000_000
    dropped = next(
        stamp for i, stamp in enumerate(spy[200:], 200)
        if spy[i - 1] == stamp - minute and spy[i + 1] == stamp + minute
    )  # fmt: skip
    put_day_file(
        s3,
        DAYS[1],
        [r for r in rows if not (r.ticker == "SPY" and r.window_start_ns == dropped)],
    )
    code, report = _ingest(cli, "SPY", "AAPL")
    assert code == 0 and report["days_republished"] == 1 and report["days_read"] == 1, report
    at = datetime.fromtimestamp(dropped / 1e9, UTC)
    day = ("--start", DAYS[1].isoformat(), "--end", DAYS[1].isoformat())
    stored = cli("bars", "SPY", *day, "--adjust", "none", "--format", "json")
    starts = {datetime.fromisoformat(bar["start"]) for bar in stored.json()["bars"]}
    assert stored.code == 0 and len(starts) == len(spy) - 1 and at not in starts, stored.err
    aapl = cli("bars", "AAPL", *day, "--adjust", "none", "--format", "json")
    assert len(aapl.json()["bars"]) == sum(row.ticker == "AAPL" for row in rows)
    holes = cli("gaps", "SPY", "--session", "eth", *day, "--holes", "--json")
    assert holes.code == 0, holes.err
    found = [(h["kind"], datetime.fromisoformat(h["start"])) for h in holes.json()]
    assert ("hole", at) in found
    assert all(kind == "hole" for kind, _ in found)  # the file vouches for the session


def test_a_missing_day_stays_a_gap_until_it_appears(cli: Cli, s3: S3Server) -> None:
    for day in (DAYS[0], DAYS[2]):
        put_day_file(s3, day, market_day(day, TICKERS))
    code, report = _ingest(cli, "SPY")
    assert code == 3 and report["days_missing"] == 1 and report["days_read"] == 2
    assert report["refused"][0]["day"] == "2024-01-04"
    assert "403" in report["refused"][0]["reason"]
    put_day_file(s3, DAYS[1], market_day(DAYS[1], TICKERS))
    s3.reset_log()
    code, report = _ingest(cli, "SPY")
    assert code == 0 and report["days_read"] == 1, report
    assert _downloads(s3) == [day_key(DAYS[1])]


def test_absent_ticker_duplicates_and_conflicts(cli: Cli, s3: S3Server) -> None:
    rows = market_day(DAYS[0], TICKERS)
    rows = with_duplicate(without_ticker(rows, "BRK.A"), 0)  # AAPL's first row twice
    spy_first = next(i for i, row in enumerate(rows) if row.ticker == "SPY")
    rows = with_conflicting_duplicate(rows, spy_first)
    put_day_file(s3, DAYS[0], rows)
    result = cli(
        "ingest", "AAPL", "BRK.A", "SPY", "--source", "flatfiles", "--start", "2024-01-03",
        "--end", "2024-01-03", "--json",
    )  # fmt: skip
    report = result.json()
    assert result.code == 0, result.err
    assert report["ticker_days_empty"] == 1 and report["rows_duplicated"] == 1
    assert report["ticker_days_conflicted"] == 1 and "SPY" in report["conflicts"][0]
    gaps = cli(
        "gaps", "AAPL", "BRK.A", "SPY", "--session", "eth", "--start", "2024-01-03",
        "--end", "2024-01-03", "--json",
    )  # fmt: skip
    assert {gap["symbol"] for gap in gaps.json()} == {"SPY"}
    delete_day_file(s3, DAYS[0])


def test_all_reads_every_ticker_then_nothing(cli: Cli, s3: S3Server) -> None:
    for day in DAYS:
        put_day_file(s3, day, market_day(day, TICKERS))
    code, first = _ingest(cli, "--all")
    assert code == 0 and first["days_read"] == 3 and first["symbols"] == len(TICKERS), first
    s3.reset_log()
    code, again = _ingest(cli, "--all")
    assert code == 0 and again["days_skipped_unchanged"] == 3 and _downloads(s3) == []


def test_wider_timeframes_roll_up_and_daily_bars_come_from_day_files(
    cli: Cli, s3: S3Server
) -> None:
    minutes = market_day(DAYS[0], ("SPY",))
    put_day_file(s3, DAYS[0], minutes)
    put_day_file(s3, DAYS[0], day_bars(DAYS[0], minutes), kind="day_aggs_v1")
    window = ("--start", "2024-01-03", "--end", "2024-01-03", "--json")
    five = cli("ingest", "SPY", "-t", "5m", "--source", "flatfiles", *window)
    assert five.code == 0 and five.json()["bars_written"] > 0, five.err
    daily = cli("ingest", "SPY", "-t", "1d", "--source", "flatfiles", *window)
    assert daily.code == 0 and daily.json()["bars_written"] == 1, daily.err
    assert [r.key for r in s3.requests() if r.is_download][-1] == day_key(DAYS[0], "day_aggs_v1")


def test_rest_for_one_day_and_a_file_for_the_next_form_one_series(
    cli: Cli, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PolygonStub(api_key=KEY) as stub:
        monkeypatch.setenv("POLYGON_API_KEY", KEY)
        monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
        monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
        rest = cli(
            "ingest", "SPY", "--source", "polygon", "--session", "eth",
            "--start", "2024-01-03", "--end", "2024-01-03", "--json",
        )  # fmt: skip
        assert rest.code == 0, rest.err
    put_day_file(s3, DAYS[1], market_day(DAYS[1], ("SPY",)))
    window = ("--start", "2024-01-03", "--end", "2024-01-04")
    code, files = _ingest(cli, "SPY")
    assert code == 3 or code == 0, files  # 01-05 has no file here
    assert files["days_read"] == 1 and _downloads(s3) == [day_key(DAYS[1])]
    gaps = cli("gaps", "SPY", "--session", "eth", *window, "--json")
    assert gaps.code == 0 and gaps.json() == [], gaps.out
    coverage = cli("coverage", "SPY", "--json")
    assert coverage.code == 0, coverage.err
    assert {"polygon", "flatfiles"} <= set(coverage.out.replace('"', " ").split())
