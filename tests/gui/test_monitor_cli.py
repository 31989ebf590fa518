"""``chronox-cli monitor`` as a user runs it: a screenshot of a fresh store, the size
asked for; and everything that goes wrong said in one line with a non-zero exit."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gui.conftest import TOKEN
from tests.integration.test_api_client import Served
from tests.served import free_port

pytestmark = [pytest.mark.gui, pytest.mark.e2e]


def run(args: list[str], store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CHRONOX_STORE": f"sqlite:///{store}",
        **env,
    }
    for name in ("CHRONOX_MONITOR_API", "CHRONOX_API_TOKEN", "CHRONOX_REDIS_URL"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    # Qt's offscreen plugin says one harmless line of its own; the rest is ours.
    return [line for line in done.stderr.splitlines() if "propagateSizeHints" not in line]


def test_a_screenshot_of_a_fresh_store_has_the_size_asked(tmp_path: Path) -> None:
    out = tmp_path / "shots" / "fresh.png"
    done = run(["monitor", "--screenshot", str(out), "--size", "1280x800"], tmp_path / "s.db")
    assert done.returncode == 0, done.stderr
    assert png_size(out) == (1280, 800)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--size", "huge"], "expected WIDTHxHEIGHT"),
        (["--size", "100x100"], "between 320x240"),
        (["--timeframe", "1M"], "unknown timeframe"),
        (["--screenshot", "out.jpg"], "must end in .png"),
        (["--symbol", "b@d"], "invalid symbol 'b@d'"),
        (["--start", "2024-12-02", "--end", "2024-11-29"], "--end 2024-11-29 is before --start"),
        (["--api", "not-a-url"], "expected http://HOST:PORT"),
        (["--api", "http://127.0.0.1:9", "--store", "sqlite:///x.db"], "reads its own store"),
    ],
)
def test_bad_options_are_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    done = run(["monitor", "--screenshot", str(tmp_path / "x.png"), *args], tmp_path / "s.db")
    lines = error_lines(done)
    assert done.returncode == 2 and len(lines) == 1 and says in lines[0], done.stderr


def test_a_screenshot_under_a_file_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """A path under a file: one line naming it, exit 2, before the API starts (it was an
    internal error once everything had loaded)."""
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    api = f"http://127.0.0.1:{free_port()}"  # nobody there: it must not even be asked
    done = run(["monitor", "--api", api, "--screenshot", str(taken / "x.png")], tmp_path / "s")
    lines = error_lines(done)
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert str(taken) in lines[0] and "not a directory" in lines[0]
    assert taken.read_text() == "mine"


def test_a_screenshot_replaces_a_file_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "old.png").write_bytes(b"an older picture")
    api = f"http://127.0.0.1:{free_port()}"
    failed = run(["monitor", "--api", api, "--screenshot", str(shots / "old.png")], tmp_path / "s")
    assert failed.returncode == 3
    assert (shots / "old.png").read_bytes() == b"an older picture"  # a failure keeps it
    done = run(["monitor", "--screenshot", str(shots / "old.png")], tmp_path / "s.db")
    assert done.returncode == 0, done.stderr
    assert png_size(shots / "old.png") == (1600, 1000)
    assert sorted(path.name for path in shots.iterdir()) == ["old.png"]


def test_an_api_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{free_port()}"
    done = run(["monitor", "--api", api, "--screenshot", str(tmp_path / "x.png")], tmp_path / "s")
    lines = error_lines(done)
    assert done.returncode == 3 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and api in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_a_screenshot_of_an_api_that_wants_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    # Interactive, a 401 opens the token dialog; offscreen nobody could answer it.
    server = Served(tmp_path / "api.sqlite3", api_token=TOKEN, api_auth_reads=True)
    try:
        args = ["monitor", "--api", server.url, "--screenshot", str(tmp_path / "x.png")]
        done = run(args, tmp_path / "s.db")
    finally:
        server.stop()
    lines = error_lines(done)
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "wants a token" in lines[0] and "--token" in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_without_the_gui_extra_it_says_what_to_install(tmp_path: Path) -> None:
    program = (
        "import sys; sys.modules['PySide6'] = None\n"  # as if PySide6 were not installed
        "from chronox_entrypoints.cli.main import main\n"
        "main(['monitor'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CHRONOX_STORE": f"sqlite:///{tmp_path / 's.db'}"},
    )
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "pip install 'chronox[gui]'" in done.stderr and "PySide6" in done.stderr


#: Forbidden in the monitor's process when it reads a remote API (docs/architecture.md, rule 4).
FORBIDDEN = (
    "psycopg",
    "psycopg_pool",
    "redis",
    "massive",
    "exchange_calendars",
    "uvicorn",
    "fastapi",
    "chronox_adapters.sqlite",
    "chronox_adapters.timescale",
    "chronox_adapters.redis",
    "chronox_adapters.polygon",
    "chronox_adapters.memory",
    "chronox_adapters.synthetic",
    "chronox_entrypoints.stores",
    "chronox_entrypoints.container",
)


def test_the_monitor_loads_no_store_bus_or_vendor_library() -> None:
    program = (
        "import json, sys\n"
        "import chronox_entrypoints.gui.app, chronox_entrypoints.gui.controller\n"
        "import chronox_entrypoints.gui.window, chronox_entrypoints.gui.live\n"
        "import chronox_entrypoints.cli.monitor\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "PySide6.QtWidgets" in loaded  # the program did import the monitor
    found = sorted(
        name for name in loaded if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    )
    assert found == []


def test_the_presenters_load_no_qt() -> None:
    # Plain Python over the client: they run (and are tested) without a display.
    program = (
        "import json, sys\n"
        "import chronox_entrypoints.gui.presenters, chronox_entrypoints.gui.presenters.bars\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "chronox_entrypoints.gui.presenters.chart" in loaded
    assert not {name for name in loaded if name.split(".")[0] in ("PySide6", "pyqtgraph")}


@pytest.mark.parametrize("mode", ["trickle-body", "silent"])
def test_a_screenshot_of_an_api_that_trickles_or_never_answers_gives_up_in_time(
    tmp_path: Path, mode: str
) -> None:
    # httpx's read timeout starts again at every byte: without a total bound the
    # trickle held the screenshot for ever, and silence cost minutes.
    import time

    from tests.slow_server import slow_server

    with slow_server(mode, every=0.5) as api:
        began = time.monotonic()
        done = run(
            ["monitor", "--api", api, "--screenshot", str(tmp_path / "x.png")],
            tmp_path / "s.db",
            CHRONOX_MONITOR_STARTUP_SECONDS="3",
        )
        took = time.monotonic() - began
    lines = error_lines(done)
    assert done.returncode == 3 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and api in lines[0] and "3 s" in lines[0], lines[0]
    assert took < 3 + 10, took  # the bound, plus the start of Python and Qt
    assert not (tmp_path / "x.png").exists()
