"""``dashboard``: the web dashboard in the default browser, against a running API or one
started here.

Without ``--api`` this command serves the API (and with it the dashboard at ``/ui/``) on
a loopback port against the configured store, as ``monitor`` does
(:mod:`chronox_entrypoints.cli.embedded`), prints the page's address, opens it, and
serves until Ctrl-C. With ``--api`` it checks that a chronox API answers there, then
opens that server's ``/ui/`` and returns.

The token never goes into the address: a browser keeps addresses in its history, and
servers in their logs. A guarded API's page asks for the token itself.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import click

from chronox_domain.errors import InvalidInput
from chronox_entrypoints.cli.extras import require_extra
from chronox_entrypoints.cli.monitor import check_api_url
from chronox_entrypoints.cli.options import store_option

#: Where the dashboard is, on any chronox API.
UI_PATH = "/ui/"
#: How long ``--api``'s server may take to answer each check.
CHECK_SECONDS = 10.0


def dashboard_url(api: str) -> str:
    return api.rstrip("/") + UI_PATH


def can_open_browser(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether a graphical browser can open here. On Linux without a display Python's
    ``webbrowser`` falls back to a text browser in this very terminal (lynx, w3m), which
    cannot run the page and holds the terminal: better to print the address. ``BROWSER``
    names the operator's own choice, always honoured."""
    env = os.environ if environ is None else environ
    if env.get("BROWSER"):
        return True
    if not (platform or sys.platform).startswith("linux"):
        return True  # macOS and Windows open the system's browser
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> None:
    """Open ``url`` in the default browser, or say in one line why not (the address is
    printed already: the operator can open it by hand)."""
    if not can_open_browser():
        click.echo(f"no display to open a browser on: open {url} yourself", err=True)
        return
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error as exc:
        click.echo(f"could not open a browser ({exc}): open {url} yourself", err=True)
        return
    if not opened:
        click.echo(f"no browser found: open {url} yourself", err=True)


def check_remote(api: str) -> None:
    """Raises ``InvalidInput`` (exit 2) unless a chronox API answers ``GET /livez`` at
    ``api`` and serves the dashboard. A dashboard that is there but not built is said,
    not refused: its page tells how to build it."""
    base = api.rstrip("/")
    status, body = _get(f"{base}/livez", api)
    if status != 200 or _json(body).get("status") != "ok":
        raise InvalidInput(f"--api {api}: no chronox API there (GET /livez answered {status})")
    status, _ = _get(dashboard_url(base), api)
    if status == 404:
        raise InvalidInput(f"--api {api}: that chronox API serves no dashboard at {UI_PATH}")
    if status == 503:
        click.echo(f"{base} serves the dashboard unbuilt: its page says how to build it", err=True)


def _get(url: str, api: str) -> tuple[int, bytes]:
    """A GET's status and body; an error status is an answer, no answer is an error."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=CHECK_SECONDS) as answer:
            return int(answer.status), answer.read(4096)
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InvalidInput(f"--api {api}: unreachable ({reason})") from None


def _json(body: bytes) -> dict[str, object]:
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@contextmanager
def stop_signals() -> Iterator[Callable[[], bool]]:
    """Ctrl-C and SIGTERM (a service manager's stop) as a request to stop, both a clean
    exit, from before the address is printed (whoever reads it may stop us at once) to
    the end of the block; yields whether one came. A flag, polled: a signal handler may
    not take a lock the interrupted code could hold."""
    received: list[int] = []
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {
        number: signal.signal(number, lambda n, _: received.append(n)) for number in handled
    }
    try:
        yield lambda: bool(received)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def wait_until(stopped: Callable[[], bool]) -> None:
    while not stopped():
        time.sleep(0.2)


@click.command()
@click.option(
    "--api",
    metavar="URL",
    help="A running chronox API (https://...): open its dashboard. Default: an API started "
    "here on loopback against the configured store, until Ctrl-C.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="The loopback port of the API started here (default: a free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the address; open no browser.")
@store_option
def dashboard(api: str | None, port: int, no_browser: bool, store: str | None) -> None:
    """The web dashboard in your browser: coverage, charts, live bars, jobs, status."""
    if api is not None:
        if store:
            raise InvalidInput("--store with --api: the API's server reads its own store")
        if port:
            raise InvalidInput("--port with --api: the API's server has its own")
        url = check_api_url(api)
        check_remote(url)
        click.echo(dashboard_url(url))
        if not no_browser:
            open_in_browser(dashboard_url(url))
        return
    require_extra("chronox-cli dashboard", "api", "fastapi", "uvicorn", "websockets")
    from chronox_entrypoints.api.deps import configured_token
    from chronox_entrypoints.cli.app import running
    from chronox_entrypoints.cli.embedded import serving

    with running(store=store) as container:
        guarded = configured_token(container.settings()) is not None
        with serving(container, port, dashboard=True) as base, stop_signals() as stopped:
            url = dashboard_url(base)
            click.echo(url)
            if guarded:
                click.echo("the page asks for the API's token (CHRONOX_API_TOKEN)", err=True)
            click.echo("serving the dashboard until Ctrl-C", err=True)
            if not no_browser and not stopped():
                open_in_browser(url)
            wait_until(stopped)
