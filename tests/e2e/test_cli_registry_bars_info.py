"""The registry, backfill, bars export and info, end to end."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import Cli


def test_registry_drives_backfill(cli: Cli) -> None:
    assert cli("registry", "add", "spy", "-t", "1m", "-t", "1d").code == 0
    assert cli("registry", "add", "QQQ", "--inactive").code == 0
    listed = cli("registry", "list", "--json").json()
    assert listed == [
        {
            "symbol": "QQQ",
            "timeframes": ["1m"],
            "session": "rth",
            "active": False,
            "follow_renames": True,
        },
        {
            "symbol": "SPY",
            "timeframes": ["1m", "1d"],
            "session": "rth",
            "active": True,
            "follow_renames": True,
        },
    ]
    result = cli("backfill", "--start", "2024-11-25", "--end", "2024-11-27", "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert [(s["symbol"], s["timeframe"]) for s in body["series"]] == [("SPY", "1m"), ("SPY", "1d")]
    assert body["series"][1]["bars_written"] == 3
    assert body["bars_written"] == sum(s["bars_written"] for s in body["series"])
    again = cli("backfill", "--start", "2024-11-25", "--end", "2024-11-27", "--json").json()
    assert again["requests"] == 0
    assert cli("registry", "remove", "QQQ").code == 0
    assert [e["symbol"] for e in cli("registry", "list", "--json").json()] == ["SPY"]


def test_backfill_with_an_empty_registry_says_so(cli: Cli) -> None:
    result = cli("backfill")
    assert result.code == 0 and "registry has no active symbol" in result.out


def test_bars_csv_round_trips_through_the_files_source(cli: Cli, tmp_path: Path) -> None:
    cli("ingest", "SPY", "-t", "5m", "--start", "2024-11-25", "--end", "2024-11-26")
    exported = cli(
        "bars", "SPY", "-t", "5m", "--start", "2024-11-25", "--end", "2024-11-26", "--format", "csv"
    ).out
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 2 * 78 and rows[0]["start"] == "2024-11-25T14:30:00Z"
    path = tmp_path / "spy5.csv"
    path.write_text(exported)
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    imported = cli(
        "ingest",
        "SPY",
        "-t",
        "5m",
        "--path",
        str(path),
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-26",
        "--json",
        "--store",
        other,
        store=False,
    ).json()
    assert imported["bars_written"] == len(rows) and imported["source"] == "files"
    again = cli(
        "bars",
        "SPY",
        "-t",
        "5m",
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-26",
        "--format",
        "csv",
        "--store",
        other,
        store=False,
    ).out
    assert again == exported


def test_bars_json_and_table(cli: Cli) -> None:
    cli("ingest", "SPY", "-t", "1d", "--start", "2024-11-25", "--end", "2024-11-29")
    body = cli(
        "bars",
        "SPY",
        "-t",
        "1d",
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-29",
        "--format",
        "json",
    ).json()
    assert body["demo"] is True and body["sources"] == ["synthetic"]
    assert [b["start"] for b in body["bars"]] == [
        "2024-11-25T00:00:00Z",
        "2024-11-26T00:00:00Z",
        "2024-11-27T00:00:00Z",
        "2024-11-29T00:00:00Z",
    ]
    table = cli("bars", "SPY", "-t", "1d", "--start", "2024-11-25", "--end", "2024-11-29")
    assert table.out.splitlines()[0].split() == [
        "start",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "vwap",
        "trades",
    ]
    assert "demo data" in table.err


def test_info_reports_store_source_calendar_and_counts(cli: Cli) -> None:
    cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25")
    body = cli("info", "--json").json()
    assert body["store"] == cli.store
    assert body["source"] == "synthetic" and body["demo"] is True
    assert body["calendar"] == "XNYS"
    assert body["counts"]["series"] == 1 and body["counts"]["bars"] > 380
    text = cli("info").out
    assert "synthetic demo data" in text and cli.store in text


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'smoke.sqlite3'}"
    script = Path(sys.executable).parent / "chronox-cli"
    command = (
        [str(script)] if script.exists() else [sys.executable, "-m", "chronox_entrypoints.cli.main"]
    )
    done = subprocess.run(
        [*command, "info", "--json", "--store", store],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"version"' in done.stdout


def test_bars_of_a_timeframe_never_fetched_are_rolled_up_from_1m(cli: Cli) -> None:
    cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-26")
    body = cli(
        "bars",
        "SPY",
        "-t",
        "15m",
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-26",
        "--format",
        "json",
    ).json()
    assert body["derived_from"] == "1m" and len(body["bars"]) == 2 * 26
    table = cli("bars", "SPY", "-t", "1d", "--start", "2024-11-25", "--end", "2024-11-26")
    assert len(table.out.splitlines()) == 1 + 2
    assert "rolled up" in table.err
