"""Common commands start without the heavy libraries they do not use: on the embedded
default, `gaps` and `info` load neither the vendor's client, pandas, pyarrow, polars,
exchange_calendars, psycopg, Redis nor uvicorn (the calendar's sessions come from the cache
file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "massive",
    "pandas",
    "pyarrow",
    "polars",
    "exchange_calendars",
    "psycopg",
    "redis",
    "uvicorn",
    "numpy",
)

PROGRAM = """
import json, sys
from chronox_entrypoints.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = {name.split(".")[0] for name in sys.modules} & set(HEAVY)
print(json.dumps(sorted(loaded)), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [["--help"], ["gaps", "SPY"], ["info"], ["registry", "list"]])
def test_a_common_command_loads_no_heavy_library(tmp_path: Path, command: list[str]) -> None:
    env = {**os.environ, "CHRONOX_STORE": f"sqlite:///{tmp_path / 'small.sqlite3'}"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_SOURCE"):
        env.pop(name, None)
    program = f"HEAVY = {HEAVY!r}\n{PROGRAM}"
    warm = subprocess.run(
        [sys.executable, "-c", program, "gaps", "SPY"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert warm.returncode == 0, warm.stderr  # the first run may build the calendar cache
    done = subprocess.run(
        [sys.executable, "-c", program, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{' '.join(command)} loaded {loaded}"
