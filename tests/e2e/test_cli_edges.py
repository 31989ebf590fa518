"""The CLI's edges, run as a user runs it (a subprocess): a missing extra or display is
one line naming what to install or set (exit 2); long work without a terminal logs its
progress; the log level comes from the settings, ``.env`` included; calendars the
sessions cannot model are refused in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def run(
    args: list[str],
    cwd: Path,
    *,
    blocked: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``chronox-cli ARGS`` in ``cwd`` on a store there; each of ``blocked`` is a package
    that is present but cannot be imported (a directory of that name, first on the path,
    whose ``__init__`` raises ImportError: what a missing extra looks like to Python)."""
    shadow = cwd / "blocked"
    for name in blocked:
        (shadow / name).mkdir(parents=True, exist_ok=True)
        (shadow / name / "__init__.py").write_text(
            f'raise ImportError("no module named {name} (blocked by the test)")\n'
        )
    path = [str(shadow)] if blocked else []
    full = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*path, os.environ.get("PYTHONPATH", "")]),
        "CHRONOX_STORE": f"sqlite:///{cwd / 'edges.sqlite3'}",
        **(env or {}),
    }
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_SOURCE", "CHRONOX_LOG_LEVEL"):
        if name not in (env or {}):
            full.pop(name, None)
    for name in drop:
        full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# -- 1. extras and the display


def test_serve_without_the_api_extra_says_what_to_install(tmp_path: Path) -> None:
    done = run(["serve", "--port", "1"], tmp_path, blocked=("fastapi",))
    line = one_line(done)
    assert done.returncode == 2, done.stderr
    assert line.startswith("error: chronox-cli serve needs the 'api' extra"), line
    assert "pip install 'chronox[api]'" in line and "fastapi" in line


def test_monitor_without_the_gui_extra_says_what_to_install(tmp_path: Path) -> None:
    done = run(["monitor"], tmp_path, blocked=("pyqtgraph",))
    line = one_line(done)
    assert done.returncode == 2, done.stderr
    assert "chronox-cli monitor needs the 'gui' extra" in line and "pyqtgraph" in line
    assert "pip install 'chronox[gui]'" in line


def test_monitor_without_the_server_libraries_says_what_to_install(tmp_path: Path) -> None:
    # No --api: the monitor starts the API itself, which needs the server.
    done = run(["monitor", "--screenshot", str(tmp_path / "x.png")], tmp_path, blocked=("uvicorn",))
    line = one_line(done)
    assert done.returncode == 2 and "'gui' extra" in line and "uvicorn" in line, done.stderr


def test_monitor_without_a_display_says_what_to_set(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux needs DISPLAY for Qt")
    done = run(
        ["monitor", "--api", "http://127.0.0.1:9"],
        tmp_path,
        drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"),
    )
    line = one_line(done)
    assert done.returncode == 2, done.stderr
    assert "needs a display" in line and "DISPLAY" in line and "QT_QPA_PLATFORM=offscreen" in line


def test_a_postgresql_store_without_the_postgres_extra_says_what_to_install(
    tmp_path: Path,
) -> None:
    done = run(
        ["gaps", "SPY", "--store", "postgresql://postgres@127.0.0.1:5432/test"],
        tmp_path,
        blocked=("psycopg", "psycopg_pool"),
    )
    line = one_line(done)
    assert done.returncode == 2, done.stderr
    assert "pip install 'chronox[postgres]'" in line


# -- 3. progress without a terminal


def test_long_work_without_a_terminal_logs_its_progress_at_info(tmp_path: Path) -> None:
    args = ["ingest", "SPY", "--start", "2024-01-02", "--end", "2024-03-28", "-t", "1m"]
    env = {"CHRONOX_LOG_LEVEL": "INFO", "CHRONOX_PROGRESS_LOG_SECONDS": "0"}
    done = run(args, tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("INFO: ingest: ")]
    assert len(progress) >= 2, done.stderr
    assert re.fullmatch(r"INFO: ingest: (\d)/\1 requests, .* bars written, 100%", progress[-1])
    assert "/" in progress[0]


def test_progress_lines_are_spaced_by_the_interval(tmp_path: Path) -> None:
    args = ["ingest", "SPY", "--start", "2024-01-02", "--end", "2024-03-28", "-t", "1m"]
    done = run(args, tmp_path, env={"CHRONOX_LOG_LEVEL": "INFO"})  # 5 s: only the end
    progress = [line for line in done.stderr.splitlines() if line.startswith("INFO: ingest: ")]
    assert done.returncode == 0 and len(progress) == 1, done.stderr
    assert progress[0].endswith("100%")


# -- 4. the log level from the settings, .env included


def test_the_log_level_of_a_dotenv_file_applies(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CHRONOX_LOG_LEVEL=info\nCHRONOX_PROGRESS_LOG_SECONDS=0\n")
    args = ["ingest", "SPY", "--start", "2024-01-02", "--end", "2024-01-31"]
    done = run(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("INFO: ingest: ") for line in done.stderr.splitlines()), done.stderr


def test_the_environment_overrides_the_dotenv_log_level(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CHRONOX_LOG_LEVEL=INFO\nCHRONOX_PROGRESS_LOG_SECONDS=0\n")
    args = ["ingest", "SPY", "--start", "2024-01-02", "--end", "2024-01-31"]
    done = run(args, tmp_path, env={"CHRONOX_LOG_LEVEL": "WARNING"})
    assert done.returncode == 0 and "INFO:" not in done.stderr, done.stderr


# -- 5. calendars


@pytest.mark.parametrize("code", ["XLON", "CMES", "XHKG"])
def test_a_calendar_the_sessions_cannot_model_is_refused_in_one_line(
    tmp_path: Path, code: str
) -> None:
    done = run(["gaps", "SPY"], tmp_path, env={"CHRONOX_CALENDAR": code})
    line = one_line(done)
    assert done.returncode == 2, done.stderr
    assert line.startswith("error: invalid CHRONOX_CALENDAR") and code in line, line
    assert "XNYS" in line  # names what it can model


@pytest.mark.parametrize("code", ["XNYS", "XNAS"])
def test_the_new_york_equity_calendars_are_accepted(tmp_path: Path, code: str) -> None:
    done = run(["gaps", "SPY", "--start", "2024-11-25"], tmp_path, env={"CHRONOX_CALENDAR": code})
    assert done.returncode == 0, done.stderr
