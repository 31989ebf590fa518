"""``chronox-cli dashboard`` as a user runs it: a process that serves the API on loopback,
prints the page's address and opens it in "the browser" (a ``BROWSER`` script that
records what it was asked to open), until Ctrl-C or SIGTERM; and ``--api`` against a
running server. The token is never in an address."""

from __future__ import annotations

import http.server
import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from chronox_entrypoints.cli.dashboard import can_open_browser
from chronox_entrypoints.cli.embedded import serving
from chronox_entrypoints.container import Container
from tests.conftest import hermetic_settings
from tests.served import free_port

TOKEN = "tok-DASHBOARD-SECRET-4be2"
INDEX = "<!doctype html><title>chronox dashboard</title>"
URL = re.compile(r"http://127\.0\.0\.1:[0-9]+/ui/")


@pytest.fixture
def build(tmp_path: Path) -> Path:
    root = tmp_path / "ui_assets"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    return root


@pytest.fixture
def browser(tmp_path: Path) -> Path:
    """A browser that writes down each address it is asked to open, then exits."""
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{tmp_path / "opened.txt"}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def environment(tmp_path: Path, build: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CHRONOX_STORE": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "CHRONOX_UI_ASSETS": str(build),
    }
    for name in (
        "POLYGON_API_KEY",
        "MASSIVE_API_KEY",
        "CHRONOX_REDIS_URL",
        "CHRONOX_API_TOKEN",
        "BROWSER",
        "DISPLAY",
        "WAYLAND_DISPLAY",
    ):
        env.pop(name, None)
    return {**env, **extra}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "chronox_entrypoints.cli.main", "dashboard", *args]


class Stream:
    """What a process writes on one of its pipes, line by line as it comes (a thread
    reads it: a selector cannot see lines a text stream has buffered already)."""

    def __init__(self, pipe: IO[str] | None) -> None:
        assert pipe is not None
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        self.reader = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.reader.start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            self.lines.put(line.rstrip("\n"))

    def next(self, seconds: float = 60) -> str:
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            pytest.fail(f"nothing more said in {seconds:g} s after {self.said}")
        self.said.append(line)
        return line

    def all(self) -> str:
        """Everything said, once the process has closed the pipe."""
        self.reader.join(timeout=30)
        while not self.lines.empty():
            self.said.append(self.lines.get())
        return "\n".join(self.said)


class Dashboard:
    """``chronox-cli dashboard ARGS`` running in a process of its own."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.out = Stream(self.process.stdout)
        self.err = Stream(self.process.stderr)

    def stop(self, how: signal.Signals) -> str:
        """Stop it as a user (Ctrl-C) or a service manager (SIGTERM) would: a clean exit
        either way. Everything it said on stderr."""
        self.process.send_signal(how)
        self.process.wait(timeout=30)
        err = self.err.all()
        assert self.process.returncode == 0, err
        assert "Traceback" not in err and "error" not in err, err
        return err


@pytest.fixture
def dashboards() -> Iterator[Callable[..., Dashboard]]:
    """Starts dashboards; kills those a test leaves running."""
    running: list[Dashboard] = []

    def start(args: list[str], env: dict[str, str]) -> Dashboard:
        running.append(Dashboard(args, env))
        return running[-1]

    yield start
    for dashboard in running:
        if dashboard.process.poll() is None:
            dashboard.process.kill()
            dashboard.process.wait(timeout=30)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_it_serves_the_page_on_loopback_until_stopped(
    tmp_path: Path, build: Path, dashboards: Callable[..., Dashboard], how: signal.Signals
) -> None:
    dashboard = dashboards(["--no-browser"], environment(tmp_path, build))
    url = dashboard.out.next()
    assert URL.fullmatch(url), url
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200 and page.text == INDEX
    assert httpx.get(url.replace("/ui/", "/health"), timeout=10).status_code == 200
    err = dashboard.stop(how)
    assert "serving the dashboard until Ctrl-C" in err
    assert not (tmp_path / "opened.txt").exists()


def test_it_opens_the_browser_on_the_page_without_the_token(
    tmp_path: Path, build: Path, browser: Path, dashboards: Callable[..., Dashboard]
) -> None:
    env = environment(tmp_path, build, BROWSER=str(browser), CHRONOX_API_TOKEN=TOKEN)
    dashboard = dashboards([], env)
    url = dashboard.out.next()
    opened = tmp_path / "opened.txt"
    deadline = time.monotonic() + 30
    while not opened.exists() or not opened.read_text().endswith("\n"):
        assert dashboard.process.poll() is None, dashboard.err.all()
        assert time.monotonic() < deadline, "no browser opened"
        time.sleep(0.05)
    assert opened.read_text().splitlines() == [url]
    assert TOKEN not in url and "token" not in url.lower()
    # The page loads without the token; the API behind it still wants it.
    assert httpx.get(url, timeout=10).text == INDEX
    health = url.replace("/ui/", "/health")
    assert httpx.get(health, timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(health, headers=auth, timeout=10).status_code == 200
    err = dashboard.stop(signal.SIGINT)
    assert "the page asks for the API's token" in err and TOKEN not in err


def test_without_a_display_it_prints_the_address_to_open(
    tmp_path: Path, build: Path, dashboards: Callable[..., Dashboard]
) -> None:
    dashboard = dashboards([], environment(tmp_path, build, TERM="xterm"))
    url = dashboard.out.next()
    assert [dashboard.err.next() for _ in range(2)] == [
        "serving the dashboard until Ctrl-C",
        f"no display to open a browser on: open {url} yourself",
    ]
    dashboard.stop(signal.SIGTERM)


def test_an_unbuilt_dashboard_is_said_with_the_command_that_builds_it(
    tmp_path: Path, dashboards: Callable[..., Dashboard]
) -> None:
    dashboard = dashboards(["--no-browser"], environment(tmp_path, tmp_path / "never_built"))
    url = dashboard.out.next()
    page = httpx.get(url, timeout=10)
    assert page.status_code == 503 and "npm --prefix web run build" in page.text
    err = dashboard.stop(signal.SIGINT)
    (said,) = [line for line in err.splitlines() if "not built" in line]
    assert said.endswith("run: npm --prefix web ci && npm --prefix web run build")


@pytest.fixture
def remote(tmp_path: Path, build: Path) -> Iterator[str]:
    """A chronox API already running (here, in this process), with the dashboard built."""
    store = f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    settings = hermetic_settings(store=store, ui_assets=str(build), api_token=TOKEN)
    with serving(Container(settings=settings)) as base:
        yield base


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), env=env, capture_output=True, text=True, timeout=120)


def test_api_opens_that_servers_page(
    tmp_path: Path, build: Path, browser: Path, remote: str
) -> None:
    done = run(["--api", remote + "/"], environment(tmp_path, build, BROWSER=str(browser)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{remote}/ui/"] and done.stderr == ""
    assert (tmp_path / "opened.txt").read_text().splitlines() == [f"{remote}/ui/"]


def test_api_with_an_unbuilt_dashboard_says_so_and_opens_it(tmp_path: Path, build: Path) -> None:
    store = f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    settings = hermetic_settings(store=store, ui_assets=str(tmp_path / "never_built"))
    with serving(Container(settings=settings)) as base:
        done = run(["--api", base, "--no-browser"], environment(tmp_path, build))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{base}/ui/"
    assert (
        done.stderr.strip() == f"{base} serves the dashboard unbuilt: its page says how to build it"
    )


class NotChronox(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_chronox() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotChronox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr.strip()


def test_api_that_nothing_answers_is_one_line_and_exit_2(tmp_path: Path, build: Path) -> None:
    port = free_port()
    done = run(["--api", f"http://127.0.0.1:{port}"], environment(tmp_path, build))
    assert one_line_error(done).startswith(f"error: --api http://127.0.0.1:{port}: unreachable")


def test_api_that_is_no_chronox_is_one_line_and_exit_2(
    tmp_path: Path, build: Path, not_chronox: str
) -> None:
    done = run(["--api", not_chronox], environment(tmp_path, build))
    assert one_line_error(done) == (
        f"error: --api {not_chronox}: no chronox API there (GET /livez answered 404)"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--api", "ftp://host"], "expected http://HOST:PORT or https://HOST"),
        (["--api", "http://127.0.0.1:1", "--store", "memory://"], "--store with --api"),
        (["--api", "http://127.0.0.1:1", "--port", "8000"], "--port with --api"),
        (["--port", "70000"], "70000 is not in the range"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, build: Path, args: list[str], says: str
) -> None:
    assert says in one_line_error(run(args, environment(tmp_path, build)))


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, build: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(["--port", str(port), "--no-browser"], environment(tmp_path, build))
    assert one_line_error(done).startswith(f"error: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize(
    ("environ", "platform", "can"),
    [
        ({}, "linux", False),
        ({"TERM": "xterm"}, "linux", False),  # a terminal is no place for the page
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"BROWSER": "firefox"}, "linux", True),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_a_browser_is_opened_only_where_one_can_show_the_page(
    environ: dict[str, str], platform: str, can: bool
) -> None:
    assert can_open_browser(environ, platform) is can
