"""``monitor``: the desk's monitor, against a running API or one started here.

With ``--api`` (or ``CHRONOX_MONITOR_API``) the monitor talks to that server. Without
it, this command starts the same FastAPI app on a free loopback port against the
configured store (:mod:`chronox_entrypoints.cli.embedded`) and hands the monitor its URL:
the monitor itself reads only the API either way (docs/architecture.md, rule 4).

Qt is imported only once the command runs, so ``chronox-cli --help`` never loads it.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.extras import require_display, require_extra
from chronox_entrypoints.cli.options import BOUND, session_option, store_option, timeframe_option

if TYPE_CHECKING:
    from chronox_entrypoints.settings import Settings

#: What the gui extra brings for the window and its client of the API; the embedded
#: API's server (the api extra, which the gui extra includes) is asked for only when
#: no remote API is named: a monitor of a remote API loads no web server.
GUI_LIBRARIES = ("PySide6", "pyqtgraph", "qasync", "numpy", "httpx", "websockets")
SERVER_LIBRARIES = ("fastapi", "uvicorn")
_SIZE = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")


def monitor_token(settings: Settings) -> str | None:
    """The monitor's own token, else the API's (which the embedded server requires)."""
    secret = settings.monitor_token or settings.api_token
    if secret is None:
        return None
    return secret.get_secret_value().strip() or None


def check_api_url(url: str) -> str:
    """An http(s) URL, said so before anything starts (not as "unreachable" later)."""
    if not re.fullmatch(r"https?://[^\s/]+.*", url.strip()):
        raise InvalidInput(f"--api {url!r}: expected http://HOST:PORT or https://HOST")
    return url.strip()


def check_range(start: date | datetime | None, end: date | datetime | None) -> None:
    def day(bound: date | datetime) -> date:
        return bound.date() if isinstance(bound, datetime) else bound

    if start is not None and end is not None and day(end) < day(start):
        raise InvalidRange(f"--end {end.isoformat()} is before --start {start.isoformat()}")


def check_screenshot(path: Path) -> None:
    """A PNG path whose directory exists or can be made: said before anything starts,
    not once the whole chart has loaded."""
    for directory in path.parents:
        if directory.exists():
            if not directory.is_dir():
                raise InvalidInput(f"--screenshot {path}: {directory} is not a directory")
            if not os.access(directory, os.W_OK | os.X_OK):
                raise InvalidInput(f"--screenshot {path}: {directory} is not writable")
            return


def parse_size(text: str) -> tuple[int, int]:
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"--size {text!r}: expected WIDTHxHEIGHT, such as 1600x1000")
    width, height = int(found.group(1)), int(found.group(2))
    if not (320 <= width <= 8000 and 240 <= height <= 8000):
        raise InvalidInput(f"--size {text}: between 320x240 and 8000x8000")
    return width, height


@click.command()
@click.option(
    "--api",
    metavar="URL",
    help="A running chronox API (https://...). Default: $CHRONOX_MONITOR_API, else an "
    "API started here on loopback against the configured store.",
)
@click.option(
    "--token",
    metavar="TOKEN",
    help="The API's bearer token. Default: $CHRONOX_MONITOR_TOKEN, else $CHRONOX_API_TOKEN.",
)
@click.option(
    "--symbol",
    "symbols",
    multiple=True,
    metavar="SYMBOL",
    help="The symbol to show (repeat to watch several: [ and ] step through them). "
    "Default: the registry's first.",
)
@timeframe_option
@session_option
@click.option(
    "--start",
    type=BOUND,
    help="First session date or instant. Default: a month "
    "back for 1m (a quarter for 5m, half a year for 15m, a year for 1h, five years for 1d).",
)
@click.option("--end", type=BOUND, help="Last session date (inclusive) or instant. Default: today.")
@store_option
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Render the window offscreen once its data has loaded, write this PNG, exit.",
)
@click.option("--size", metavar="WxH", default="1600x1000", show_default=True, help="Window size.")
def monitor(
    api: str | None,
    token: str | None,
    symbols: tuple[str, ...],
    timeframe: Timeframe,
    session: SessionKind,
    start: date | datetime | None,
    end: date | datetime | None,
    store: str | None,
    screenshot: Path | None,
    size: str,
) -> None:
    """The desk's monitor: charts, coverage, live bars and jobs (needs the gui extra)."""
    from chronox_entrypoints.cli.app import command_settings

    width, height = parse_size(size)
    names = tuple(dict.fromkeys(parse_symbol(symbol) for symbol in symbols))
    check_range(start, end)
    require_extra("chronox-cli monitor", "gui", *GUI_LIBRARIES)
    if screenshot is None:  # a screenshot renders offscreen (run_monitor sees to it)
        require_display()
    else:
        check_screenshot(screenshot)
    settings = command_settings(monitor_api=api, monitor_token=token, store=store)
    from chronox_entrypoints.gui.app import MonitorOptions, run_monitor

    options = MonitorOptions(
        base_url="",
        token=monitor_token(settings),
        symbols=names,
        timeframe=timeframe.value,
        session=session.value,
        start=start,
        end=end,
        screenshot=screenshot,
        size=(width, height),
        startup_seconds=settings.monitor_startup_seconds,
    )
    if settings.monitor_api:
        if store:
            raise InvalidInput("--store with --api: the API's server reads its own store")
        code = run_monitor(options.at(check_api_url(settings.monitor_api)))
    else:
        from chronox_entrypoints.cli.app import running
        from chronox_entrypoints.cli.embedded import serving

        require_extra("chronox-cli monitor", "gui", *SERVER_LIBRARIES)

        with running(store=store) as container, serving(container) as url:
            code = run_monitor(options.at(url))
    if code:
        raise click.exceptions.Exit(code)
