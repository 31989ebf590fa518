"""Bad input gets one clear line and a non-zero exit, never a traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, Result


def one_line_error(result: Result, code: int, *words: str) -> None:
    assert result.code == code, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.err
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["ingest", "SPY;DROP"], ["invalid symbol", "SPY;DROP"]),
        (["gaps", "SPY", "--start", "2024-12-03", "--end", "2024-11-25"], ["before start"]),
        (["gaps", "SPY", "-t", "2m"], ["unknown timeframe", "2m"]),
        (["gaps", "SPY", "-t", "1M"], ["unknown timeframe", "1M", "case-sensitive"]),
        (["gaps", "SPY", "--start", "1970-01-05", "--end", "1970-01-09"], ["outside", "XNYS"]),
        (["gaps", "SPY", "--start", "2024-13-01"], ["2024-13-01"]),
        (["gaps", "SPY", "--session", "overnight"], ["unknown session"]),
        (["gaps", "SPY", "--start", "2024-11-30", "--end", "2024-12-01"], ["no trading sessions"]),
        (["registry", "remove", "SPY"], ["not in the registry"]),
        (["backfill", "SPY"], ["not in the registry"]),
        (["ingest", "SPY", "--source", "files"], ["--path"]),
        (["ingest"], ["SYMBOLS"]),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    cli: Cli, args: list[str], words: list[str]
) -> None:
    one_line_error(cli(*args), 2, *words)


def test_a_store_that_cannot_be_opened(cli: Cli, tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "x.db"
    one_line_error(
        cli("info", "--store", f"sqlite:///{missing_dir}", store=False), 4, "cannot open"
    )
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not a database\n" * 100)
    one_line_error(cli("info", "--store", f"sqlite:///{not_a_db}", store=False), 4, "cannot open")
    one_line_error(
        cli("info", "--store", "mysql://localhost/x", store=False), 2, "unsupported store"
    )


def test_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "ingest",
        "SPY",
        "--source",
        "files",
        "--path",
        str(tmp_path / "nope.csv"),
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-25",
    )
    one_line_error(result, 2, "nope.csv")


def test_a_malformed_row_names_its_line_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "symbol,timeframe,start,open,high,low,close,volume,vwap,trades\n"
        "SPY,1m,2024-11-25T14:30:00Z,100,101,99,100.5,1000,,\n"
        "SPY,1m,2024-11-25T14:31:00Z,100,abc,99,100.5,1000,,\n"
    )
    result = cli(
        "ingest", "SPY", "--path", str(path), "--start", "2024-11-25", "--end", "2024-11-25"
    )
    one_line_error(result, 2, "bars.csv:3")
    info = cli("info", "--json").json()
    assert info["counts"]["bars"] == 0 and info["counts"]["coverage_spans"] == 0


def test_mixing_sources_is_refused_unless_forced(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25").code == 0
    exported = cli("bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-25", "--format", "csv")
    path = tmp_path / "spy.csv"
    path.write_text(exported.out)
    args = (
        "ingest",
        "SPY",
        "--path",
        str(path),
        "--start",
        "2024-11-25",
        "--end",
        "2024-11-25",
        "--refetch",
    )
    one_line_error(cli(*args), 2, "synthetic", "--force")
    forced = cli(*args, "--force", "--json")
    assert forced.code == 0, forced.err
    assert forced.json()["source"] == "files"


class BrokenIngestion:
    """An ingestion that fails as no domain error would: a bug, not bad input."""

    def ingest(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")


def test_internal_errors_are_one_line_too(cli: Cli) -> None:
    from chronox_entrypoints.container import bootstrap

    # The application with its ingestion faked; the command's --store on top.
    result = cli("ingest", "SPY", container=bootstrap(ingestion=BrokenIngestion()))
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "internal error: RuntimeError: boom (CHRONOX_DEBUG=1 shows more)"
    ]


@pytest.mark.parametrize(
    "args",
    [("jobs", "list"), ("jobs", "list", "--json"), ("jobs", "show", "abc"),
     ("jobs", "cancel", "abc"), ("backfill", "SPY", "--enqueue")],
)  # fmt: skip
def test_the_shared_job_queue_without_redis_is_refused(sqlite_cli: Cli, args: tuple[str]) -> None:
    # Without Redis a process's queue is its own and ends with it: a fresh process
    # listed "no jobs" (exit 0) and could never find a job to show or cancel.
    one_line_error(sqlite_cli(*args), 2, "needs Redis", "CHRONOX_REDIS_URL")
