"""How fast the CLI starts, against the floor of the libraries it is built on.

Each side is a fresh process, timed from spawn to exit, the two sides alternating (one
sample of each per repeat) on a small SQLite store whose calendar cache is warm:

* ``chronox-cli --help`` against ``python3 -c "import click, sqlite3"`` (a Click CLI on
  SQLite can start no faster);
* ``chronox-cli gaps SPY`` and ``chronox-cli info`` against ``python3 -c "import click,
  sqlite3, pydantic_settings, dependency_injector.containers"`` (the libraries chronox's
  CLI is built on);
* and, reported alone, what importing ``dependency_injector.containers`` costs (it imports
  FastAPI for its wiring module whenever FastAPI is installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import Figure, seconds

CLICK_FLOOR = "import click, sqlite3"
LIBRARY_FLOOR = "import click, sqlite3, pydantic_settings, dependency_injector.containers"
HELP_TARGET = 3.0
COMMAND_TARGET = 1.3


def run(repeats: int = 15) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{Path(tmp) / 'small.sqlite3'}"}
        for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_SOURCE"):
            env.pop(name, None)
        cli = [sys.executable, "-m", "chronox_entrypoints.cli.main"]
        # A small store, and a warm calendar cache, as on any machine after its first run.
        _spawn([*cli, "ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27"], env)
        figures = [
            _pair("--help", [*cli, "--help"], CLICK_FLOOR, HELP_TARGET, env, repeats),
            _pair("gaps SPY", [*cli, "gaps", "SPY"], LIBRARY_FLOOR, COMMAND_TARGET, env, repeats),
            _pair("info", [*cli, "info"], LIBRARY_FLOOR, COMMAND_TARGET, env, repeats),
        ]
        figures.append(_di_import(env, repeats))
    return figures


def _spawn(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def _pair(
    name: str, command: list[str], floor: str, target: float, env: dict[str, str], repeats: int
) -> Figure:
    baseline_command = [sys.executable, "-c", floor]
    baseline, chronox = [], []
    for _ in range(repeats):
        baseline.append(_spawn(baseline_command, env))
        chronox.append(_spawn(command, env))
    ratios = sorted(c / b for b, c in zip(baseline, chronox, strict=True))
    ratio = ratios[len(ratios) // 2]
    b, c = sorted(baseline)[repeats // 2], sorted(chronox)[repeats // 2]
    return Figure(
        benchmark="startup",
        what=f"chronox-cli {name} on a small SQLite store (a fresh process each time)",
        baseline=f'python3 -c "{floor}": {seconds(b)}',
        chronox=f"chronox-cli {name}: {seconds(c)}",
        ratio=ratio,
        ratio_label="the floor",
        target=f"<= {target}x",
        met=ratio <= target,
        data={"baseline_s": b, "chronox_s": c, "repeats": repeats},
    )


def _di_import(env: dict[str, str], repeats: int) -> Figure:
    """What ``import dependency_injector.containers`` adds to ``import click, sqlite3``,
    and whether it imported FastAPI doing so."""
    probe = "import sys, dependency_injector.containers; print('fastapi' in sys.modules)"
    imports_fastapi = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    floor, with_di = [], []
    for _ in range(repeats):
        floor.append(_spawn([sys.executable, "-c", CLICK_FLOOR], env))
        with_di.append(
            _spawn([sys.executable, "-c", f"{CLICK_FLOOR}, dependency_injector.containers"], env)
        )
    f, d = sorted(floor)[repeats // 2], sorted(with_di)[repeats // 2]
    return Figure(
        benchmark="startup",
        what="import dependency_injector.containers (imports FastAPI for its wiring: "
        f"{'yes' if imports_fastapi == 'True' else 'no'})",
        baseline=f'python3 -c "{CLICK_FLOOR}": {seconds(f)}',
        chronox=f"... and dependency_injector.containers: {seconds(d)} (+{seconds(d - f)})",
        ratio=d / f,
        ratio_label="the click floor",
        target="none (reported)",
        met=None,
        data={"floor_s": f, "with_di_s": d, "imports_fastapi": imports_fastapi == "True"},
    )
