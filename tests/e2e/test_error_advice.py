"""Errors say what is wrong; each entry point adds what its own user can do about it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from chronox_domain.errors import NotRegistered, SourceMismatch
from chronox_entrypoints.api.errors import install
from tests.e2e.conftest import Cli

DAY = ("--start", "2024-11-25", "--end", "2024-11-25")


def test_domain_errors_name_no_interface() -> None:
    mismatch = SourceMismatch("SPY", "1m", ("synthetic",), "files")
    assert str(mismatch) == "SPY 1m is stored from synthetic; refusing to mix in files"
    assert (mismatch.symbol, mismatch.timeframe, mismatch.recorded, mismatch.asked) == (
        "SPY", "1m", ("synthetic",), "files",
    )  # fmt: skip
    missing = NotRegistered("QQQ")
    assert str(missing) == "QQQ is not in the registry" and missing.symbol == "QQQ"
    for error in (mismatch, missing):
        assert "chronox-cli" not in str(error) and "--" not in str(error)


def test_the_cli_adds_its_advice_to_a_symbol_not_in_the_registry(sqlite_cli: Cli) -> None:
    result = sqlite_cli("backfill", "QQQ")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: QQQ is not in the registry (add it with: chronox-cli registry add QQQ)"
    ]


def test_the_cli_adds_its_advice_to_a_refused_source_mix(sqlite_cli: Cli, tmp_path: Path) -> None:
    assert sqlite_cli("ingest", "SPY", *DAY).code == 0
    exported = sqlite_cli("bars", "SPY", *DAY, "--format", "csv")
    path = tmp_path / "spy.csv"
    path.write_text(exported.out)
    result = sqlite_cli("ingest", "SPY", "--path", str(path), *DAY, "--refetch")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: SPY 1m is stored from synthetic; refusing to mix in files "
        "(pass --force to allow it)"
    ]


def test_the_api_adds_its_own_advice_not_the_clis() -> None:
    app = FastAPI()
    install(app)

    @app.get("/unregistered")
    def unregistered() -> None:
        raise NotRegistered("QQQ")

    @app.get("/mixed")
    def mixed() -> None:
        raise SourceMismatch("SPY", "1m", ("synthetic",), "files")

    with TestClient(app) as api:
        answer = api.get("/unregistered")
        assert answer.status_code == 404
        assert answer.json() == {
            "error": "not_found",
            "detail": 'QQQ is not in the registry (add it with POST /symbols {"symbol": "QQQ"})',
        }
        answer = api.get("/mixed")
        assert answer.status_code == 409
        assert answer.json() == {
            "error": "source_mismatch",
            "detail": "SPY 1m is stored from synthetic; refusing to mix in files",
        }
