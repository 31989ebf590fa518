"""benchmarks/bench_monitor.py --quick runs end to end (a served API, the monitor
offscreen, the baseline) and its check passes: both sides hold the same bars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


def test_bench_monitor_quick_runs() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name in ("CHRONOX_REDIS_URL", "CHRONOX_API_TOKEN", "CHRONOX_STORE"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_monitor.py", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "first paint:" in done.stdout and "in the background" in done.stdout
