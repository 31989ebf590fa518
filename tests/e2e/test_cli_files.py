"""``chronox-cli ingest --source files``: the ledger holds what the file proves, and a bad
file is one line with exit 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_errors import one_line_error

DAYS = ("--start", "2024-11-25", "--end", "2024-11-27")


def exported(cli: Cli, tmp_path: Path) -> list[str]:
    """Three days of synthetic SPY minutes, as ``bars --format csv`` prints them."""
    assert cli("ingest", "SPY", *DAYS).code == 0
    lines = cli("bars", "SPY", *DAYS, "--format", "csv").out.splitlines()
    assert len(lines) > 1000
    return lines


def ingest_file(cli: Cli, path: Path, store: str) -> dict[str, object]:
    result = cli(
        "ingest", "SPY", *DAYS, "--path", str(path), "--json", "--store", store, store=False
    )
    assert result.code == 0, result.err
    report: dict[str, object] = result.json()
    return report


def test_a_day_dropped_from_a_file_is_a_gap_and_the_complete_file_fills_it(
    cli: Cli, tmp_path: Path
) -> None:
    lines = exported(cli, tmp_path)
    middle = [line for line in lines if ",2024-11-26T" in line]
    full, dropped = tmp_path / "full.csv", tmp_path / "dropped.csv"
    full.write_text("\n".join(lines) + "\n")
    dropped.write_text("\n".join(line for line in lines if line not in middle) + "\n")
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"

    first = ingest_file(cli, dropped, other)

    assert (first["windows_empty"], first["windows_unconfirmed"]) == (0, 0)
    gaps = cli("gaps", "SPY", *DAYS, "--json", "--store", other, store=False).json()
    assert [(gap["start"][:10], gap["end"][:10]) for gap in gaps] == [("2024-11-26", "2024-11-26")]
    again = ingest_file(cli, full, other)
    assert again["bars_written"] == len(middle) == 385


def test_a_file_with_duplicate_rows_reports_the_bars_it_stored(cli: Cli, tmp_path: Path) -> None:
    lines = exported(cli, tmp_path)
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("\n".join(lines + lines[1:]) + "\n")
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"

    report = ingest_file(cli, doubled, other)

    assert report["bars_written"] == len(lines) - 1
    info = cli("info", "--json", "--store", other, store=False).json()
    assert info["counts"]["bars"] == len(lines) - 1


def test_conflicting_rows_are_one_line_with_exit_2_and_nothing_written(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "conflict.csv"
    path.write_text(
        "symbol,timeframe,start,open,high,low,close,volume,vwap,trades\n"
        "SPY,1m,2024-11-25T14:30:00Z,100,101,99,100.5,1000,,\n"
        "SPY,1m,2024-11-25T14:31:00Z,100,101,99,100.5,1000,,\n"
        "SPY,1m,2024-11-25T14:30:00Z,100,101,99,100.7,1000,,\n"
    )

    result = cli("ingest", "SPY", *DAYS, "--path", str(path))

    one_line_error(result, 2, "conflict.csv:2:", "conflicting rows (lines 2, 4)")
    info = cli("info", "--json").json()
    assert info["counts"]["bars"] == 0 and info["counts"]["coverage_spans"] == 0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_file_fails_fast_in_one_line(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOX_")}
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "ingest", "SPY", *DAYS]
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"

    done = subprocess.run(
        [*command, "--source", "files", "--path", "/dev/zero", "--store", store],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: /dev/zero:1: line longer than 64 KiB; not a bar file?"
    ]
