"""`chronox-cli stream` in both modes of the facade, on the embedded default."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli


def test_unified_mode_stores_live_bars_and_backfills(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_FROM", "2024-11-26T14:30:00Z")
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_SPEED", "3000")
    cli("registry", "add", "SPY")
    result = cli("stream", "--duration", "1.5", "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert body["live_bars"] > 10 and body["backfills"] >= 1 and body["errors"] == []


def test_backfill_mode_runs_no_live_feed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONOX_MODE", "backfill")
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_FROM", "2024-11-26T14:30:00Z")
    cli("registry", "add", "SPY")
    result = cli("stream", "--duration", "1", "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert body["live_bars"] == 0 and body["backfills"] >= 1
