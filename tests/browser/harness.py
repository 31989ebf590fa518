"""The web dashboard in a real browser, shared by the browser tests, docs/screenshots.py
and benchmarks/bench_dashboard.py: a store seeded through the CLI with a known gap, a real
``chronox-cli serve`` on loopback over it, Debian's Chromium driven by Playwright (never
a downloaded browser), and pages that record what betrays a broken page: console errors,
uncaught exceptions, and any request that leaves loopback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from chronox_entrypoints.api.ui import PACKAGED
from tests.served import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, WebSocket

#: Debian's chromium package (what .ci/run installs): the only browser these tests drive.
CHROMIUM = Path("/usr/bin/chromium")
#: The built page (npm --prefix web ci && npm --prefix web run build).
INDEX = PACKAGED / "index.html"
BUILD_COMMAND = "npm --prefix web ci && npm --prefix web run build"

#: The seeded registry, in symbol order.
SYMBOLS = ("AAPL", "MSFT", "SPY")
#: Sessions ingested: FIRST_DAY..BEFORE_GAP and AFTER_GAP..LAST_DAY, so GAP_DAY is a gap
#: of every symbol (nobody fetched it) between covered sessions.
FIRST_DAY = "2024-10-28"
BEFORE_GAP = "2024-11-05"
GAP_DAY = "2024-11-06"
AFTER_GAP = "2024-11-07"
LAST_DAY = "2024-11-15"
#: The gap's window: 09:30-16:00 New York (EST) on GAP_DAY, 390 one-minute slots.
GAP_START = "2024-11-06T14:30:00Z"
GAP_END = "2024-11-06T21:00:00Z"
GAP_SLOTS = 390
#: The universe view's address over the seeded sessions.
UNIVERSE = f"#/universe?start={FIRST_DAY}&end={LAST_DAY}&sort=symbol"

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
VIEWPORT = {"width": 1280, "height": 800}


def missing_prerequisite() -> str | None:
    """Why the dashboard cannot be driven here (None: it can)."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (Debian's chromium package: apt-get install chromium)"
    if not INDEX.is_file():
        return f"the dashboard is not built ({INDEX} is missing): run {BUILD_COMMAND}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; no browser download needed)"
    return None


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any chronox setting or vendor key of the
    developer's (no Redis, no token, no Polygon), plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CHRONOX_") and name not in ("POLYGON_API_KEY", "MASSIVE_API_KEY")
    }
    return {**env, "CHRONOX_SOURCE": "synthetic", **extra}


def chronox_cli(*args: str, env: dict[str, str], cwd: Path) -> str:
    """Run ``chronox-cli ARGS`` as a user would; its output, or an error naming its own."""
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", *args]
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(
            f"chronox-cli {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout


def seed(store: str, env: dict[str, str], cwd: Path) -> None:
    """Register SYMBOLS and ingest synthetic 1m bars of every session from FIRST_DAY to
    LAST_DAY but GAP_DAY, through the CLI."""
    chronox_cli("registry", "add", *SYMBOLS, "--store", store, env=env, cwd=cwd)
    for start, end in ((FIRST_DAY, BEFORE_GAP), (AFTER_GAP, LAST_DAY)):
        window = ("--start", start, "--end", end, "--source", "synthetic")
        chronox_cli("ingest", *SYMBOLS, *window, "--store", store, env=env, cwd=cwd)


@dataclass(frozen=True)
class Served:
    """A ``chronox-cli serve`` on loopback: its address, the token it asks for (if any)
    and the file its log goes to."""

    base: str
    token: str | None
    log: Path

    @property
    def page(self) -> str:
        return f"{self.base}/ui/"


@contextmanager
def serve(store: str, workdir: Path, token: str | None = None, **extra: str) -> Iterator[Served]:
    """``chronox-cli serve`` over ``store`` until the block ends (SIGTERM, then it must
    exit cleanly). Its log goes to a file: a pipe nobody reads would fill and stall it."""
    port = free_port()
    env = clean_environment(CHRONOX_STORE=store, **extra)
    if token is not None:
        env["CHRONOX_API_TOKEN"] = token
    log = workdir / f"serve-{port}.log"
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port", str(port)]
    with log.open("w") as sink:
        server = subprocess.Popen(
            command, env=env, cwd=workdir, stdout=sink, stderr=sink, text=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(server, base, log)
        yield Served(base, token, log)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_live(
    server: subprocess.Popen[str], base: str, log: Path, seconds: float = 60
) -> None:
    """Return once ``base``/livez answers (it needs no token, unlike /health)."""
    deadline = time.monotonic() + seconds
    while True:
        with suppress(httpx.TransportError):
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        if server.poll() is not None:
            raise RuntimeError(f"chronox-cli serve exited {server.returncode}: {log.read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"chronox-cli serve did not answer in {seconds:g} s: {log.read_text()}"
            )
        time.sleep(0.1)


def server_failures(served: Served) -> str | None:
    """The server's log when it shows a traceback (a request the page made broke it)."""
    text = served.log.read_text(errors="replace")
    return text if "Traceback" in text else None


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless. Never ``playwright install``: no browser download."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)


#: Chromium's console line for an HTTP error answer of a request the page made.
_FAILED_RESOURCE = re.compile(
    r"Failed to load resource: the server responded with a status of (\d{3})"
)


@dataclass
class Watched:
    """A page of its own browser context (its own session storage), and what it did:
    console errors, uncaught exceptions, every request's and WebSocket's URL."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    #: HTTP statuses a test expects the page to meet (a refused token's 401): Chromium
    #: logs each as a console error, which is then no sign of a broken page.
    expected_statuses: set[int] = field(default_factory=set)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request: Request) -> None:
        self.urls.append(request.url)

    def _socket(self, socket: WebSocket) -> None:
        self.urls.append(socket.url)

    def problems(self) -> list[str]:
        """What a working page never shows: console errors (but the statuses the test
        expects), uncaught exceptions, requests to a host other than loopback."""
        found = [f"page error: {text}" for text in self.page_errors]
        for text in self.console_errors:
            status = _FAILED_RESOURCE.search(text)
            if status is None or int(status.group(1)) not in self.expected_statuses:
                found.append(f"console error: {text}")
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue  # no network request
            if parts.hostname not in LOOPBACK:
                found.append(f"request leaving loopback: {url}")
        return found


@contextmanager
def watched_page(browser: Browser, viewport: dict[str, int] | None = None) -> Iterator[Watched]:
    """A fresh page (new context: empty session storage) that records what it does."""
    context = browser.new_context(viewport=viewport or VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(20_000)
    watched = Watched(page)
    page.on("console", watched._console)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    page.on("request", watched._request)
    page.on("websocket", watched._socket)
    try:
        yield watched
    finally:
        with suppress(Exception):  # a browser already gone: nothing left to close
            context.close()
