"""`chronox-cli stream` in both modes of the facade, on each store kind.

The daemon runs as a process of its own and is stopped (SIGTERM) once what the test
waits for has been observed, never after a guessed while."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from chronox_domain import Interval, Timeframe
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.process_lines import StderrLines

LIVE_FROM = datetime(2024, 11, 26, 14, 30, tzinfo=UTC)


def start_stream(cli: Cli) -> tuple[subprocess.Popen[str], StderrLines]:
    env = {**os.environ, "CHRONOX_STORE": cli.store}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", "stream"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return daemon, StderrLines(daemon)


def stop(daemon: subprocess.Popen[str], err: StderrLines) -> tuple[str, str]:
    """SIGTERM, then what it printed: (stdout, stderr)."""
    daemon.send_signal(signal.SIGTERM)
    assert daemon.stdout is not None
    out = daemon.stdout.read()
    daemon.wait(timeout=30)
    return out, err.rest()


def live_bars_stored(cli: Cli, at_least: int, timeout: float = 60) -> None:
    """Waits until the store holds ``at_least`` bars of the replayed session."""
    replayed = Interval(LIVE_FROM, LIVE_FROM + timedelta(hours=6, minutes=30))
    deadline = time.monotonic() + timeout
    container = Container(settings=Settings(store=cli.store))
    try:
        repository = container.repository()
        while len(repository.bar_starts("SPY", Timeframe.M1, replayed)) < at_least:
            assert time.monotonic() < deadline, f"fewer than {at_least} live bars in {timeout} s"
            time.sleep(0.05)
    finally:
        container.shutdown_resources()


def test_unified_mode_stores_live_bars_and_backfills(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_FROM", "2024-11-26T14:30:00Z")
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_SPEED", "3000")
    cli("registry", "add", "SPY")
    daemon, err = start_stream(cli)
    try:
        err.wait_for("stream: ready: live feed subscribing to 1 symbol", timeout=60)
        err.wait_for("stream: backfill: ", timeout=60)  # the first pass is done
        live_bars_stored(cli, 11)
        out, said = stop(daemon, err)
    finally:
        daemon.kill()
    assert daemon.returncode == 0, said
    live, passes = _stopped_counts(out)
    assert live > 10 and passes >= 1, out
    assert "Traceback" not in said and "failed" not in said, said


def test_backfill_mode_runs_no_live_feed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONOX_MODE", "backfill")
    monkeypatch.setenv("CHRONOX_SYNTHETIC_LIVE_FROM", "2024-11-26T14:30:00Z")
    cli("registry", "add", "SPY")
    daemon, err = start_stream(cli)
    try:
        err.wait_for("stream: ready: no live feed", timeout=60)
        err.wait_for("stream: backfill: ", timeout=60)
        out, said = stop(daemon, err)
    finally:
        daemon.kill()
    assert daemon.returncode == 0, said
    assert _stopped_counts(out) == (0, 1), out


def _stopped_counts(out: str) -> tuple[int, int]:
    """(live bars, backfill passes) of ``stopped: 12 live bars, 1 backfill passes (...)``."""
    words = out.split()
    assert words[0] == "stopped:", out
    return int(words[1]), int(words[4])
