"""How fast the CLI starts, against the floor of the libraries it is built on.

Each side is a fresh process, timed from spawn to exit, the two sides alternating (one
sample of each per repeat) on a small SQLite store whose calendar cache is warm:

* ``chronox-cli --help`` against ``python3 -c "import click, sqlite3"`` (a Click CLI on
  SQLite can start no faster);
* ``chronox-cli gaps SPY`` and ``chronox-cli info`` against ``python3 -c "import click,
  sqlite3, pydantic_settings, dependency_injector.containers"`` (the libraries chronox's
  CLI is built on);
* and, reported alone, what importing ``dependency_injector.containers`` costs (it imports
  FastAPI for its wiring module whenever FastAPI is installed), and what ``gaps`` costs
  when Python may not keep bytecode.

Bytecode: an installed chronox has its modules compiled (pip compiles a wheel's modules
on install, and an editable install keeps ``__pycache__`` beside the sources), as its
libraries do. An environment with ``PYTHONDONTWRITEBYTECODE=1`` (this project's helper
machines set it) compiles chronox's hundred modules from source on every command, while
the libraries' bytecode came with them: the floor and chronox are then measured unequal.
So both sides run with ``PYTHONPYCACHEPREFIX`` set to a fresh folder and bytecode
allowed, warmed once; a last row reports the cost of no bytecode at all.

Each chronox run's output is checked (the gap of 2024-11-29, the store in ``info``): a
command that failed or answered something else is no figure.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import Figure, seconds

REPOSITORY = Path(__file__).resolve().parents[1]
CLICK_FLOOR = "import click, sqlite3"
LIBRARY_FLOOR = "import click, sqlite3, pydantic_settings, dependency_injector.containers"
HELP_TARGET = 3.0
COMMAND_TARGET = 1.2
#: Three sessions stored, Thanksgiving closed, the Friday after it a gap: a fixed range,
#: so the answer is the same on every run whatever the date.
GAPS = ["gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-29"]
GAPS_ANSWER = "2024-11-29T14:30:00Z"


def run(repeats: int = 15) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "small.sqlite3"
        env = {
            **os.environ,
            "CHRONOX_STORE": f"sqlite:///{store}",
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            # This checkout's chronox, whichever one pip installed in editable mode.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])
            ),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_SOURCE"):
            env.pop(name, None)
        _check_checkout(env)
        cli = _cli()
        # A small store, and a warm calendar cache, as on any machine after its first run.
        _spawn([*cli, "ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27"], env)
        gaps = ([*cli, *GAPS], GAPS_ANSWER)
        info = ([*cli, "info"], str(store))
        figures = [
            _pair("--help", ([*cli, "--help"], "gaps"), CLICK_FLOOR, HELP_TARGET, env, repeats),
            _pair("gaps SPY", gaps, LIBRARY_FLOOR, COMMAND_TARGET, env, repeats),
            _pair("info", info, LIBRARY_FLOOR, COMMAND_TARGET, env, repeats),
        ]
        figures.append(_di_import(env, repeats))
        no_bytecode = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        no_bytecode.pop("PYTHONPYCACHEPREFIX")
        figures.append(
            _pair("gaps SPY", gaps, LIBRARY_FLOOR, None, no_bytecode, repeats, "no bytecode")
        )
    return figures


def _check_checkout(env: dict[str, str]) -> None:
    probe = "import chronox_entrypoints; print(chronox_entrypoints.__file__)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    if not Path(done.stdout.strip()).is_relative_to(REPOSITORY):
        raise RuntimeError(
            f"the CLI would run chronox from {done.stdout.strip()!r}, not {REPOSITORY}"
        )


def _cli() -> list[str]:
    """``chronox-cli`` as a user runs it: the console script pip installed beside this
    interpreter (``python -m`` adds runpy, and the current folder to the import path)."""
    script = Path(sys.executable).with_name("chronox-cli")
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "chronox_entrypoints.cli.main"]


def _spawn(
    command: list[str], env: dict[str, str], answer: str | None = None
) -> tuple[float, float]:
    """Wall seconds from spawn to exit, and the child's CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, timeout=120, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if answer is not None and answer not in done.stdout:
        raise RuntimeError(f"{' '.join(command[2:])} did not answer {answer!r}: {done.stdout!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _pair(
    name: str,
    command: tuple[list[str], str],
    floor: str,
    target: float | None,
    env: dict[str, str],
    repeats: int,
    how: str = "bytecode kept, as installed",
) -> Figure:
    program, answer = command
    baseline_command = [sys.executable, "-c", floor]
    _spawn(baseline_command, env)  # both compiled once, where bytecode is kept
    _spawn(program, env, answer)
    baseline, chronox = [], []
    for _ in range(repeats):
        baseline.append(_spawn(baseline_command, env))
        chronox.append(_spawn(program, env, answer))
    ratio = _median([c[0] / b[0] for b, c in zip(baseline, chronox, strict=True)])
    cpu_ratio = _median([c[1] / b[1] for b, c in zip(baseline, chronox, strict=True)])
    b, c = _median([s[0] for s in baseline]), _median([s[0] for s in chronox])
    return Figure(
        benchmark="startup",
        what=f"chronox-cli {name} on a small SQLite store (a fresh process each time, {how})",
        baseline=f'python3 -c "{floor}": {seconds(b)}',
        chronox=f"chronox-cli {name}: {seconds(c)} (CPU {cpu_ratio:.2f}x the floor's)",
        ratio=ratio,
        ratio_label="the floor",
        target="none (reported)" if target is None else f"<= {target}x",
        met=None if target is None else ratio <= target,
        data={
            "baseline_s": b,
            "chronox_s": c,
            "cpu_ratio": cpu_ratio,
            "repeats": repeats,
            "bytecode": "PYTHONDONTWRITEBYTECODE" not in env,
        },
    )


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _di_import(env: dict[str, str], repeats: int) -> Figure:
    """What ``import dependency_injector.containers`` adds to ``import click, sqlite3``,
    and whether it imported FastAPI doing so."""
    probe = "import sys, dependency_injector.containers; print('fastapi' in sys.modules)"
    imports_fastapi = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    floor, with_di = [], []
    for _ in range(repeats):
        floor.append(_spawn([sys.executable, "-c", CLICK_FLOOR], env)[0])
        with_di.append(
            _spawn([sys.executable, "-c", f"{CLICK_FLOOR}, dependency_injector.containers"], env)[0]
        )
    f, d = _median(floor), _median(with_di)
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
