"""The monitor's composition: the client from the options, the window and its
controller on a qasync loop; offscreen with ``--screenshot``.

The API's URL is always given: ``chronox-cli monitor`` passes either the remote one or
the one of the API it started on loopback (:mod:`chronox_entrypoints.cli.embedded`),
so nothing here knows a store."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from chronox_adapters.chronox_api import ChronoxApiConfig
from chronox_domain.errors import InvalidInput, SourceUnavailable, Unauthorized

if TYPE_CHECKING:
    from chronox_entrypoints.gui.controller import MonitorController

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class MonitorOptions:
    base_url: str
    token: str | None = None
    symbols: tuple[str, ...] = ()
    timeframe: str = "1m"
    session: str = "rth"
    start: date | datetime | None = None
    end: date | datetime | None = None
    screenshot: Path | None = None
    size: tuple[int, int] = (1600, 1000)
    #: A screenshot's start (everything the window first asks the API), in all: each
    #: call has its own deadline, but the start makes a dozen of them.
    startup_seconds: float = 20.0

    def at(self, base_url: str) -> MonitorOptions:
        return replace(self, base_url=base_url)

    def api_config(self) -> ChronoxApiConfig:
        # The live feed never gives up: an API that goes away is waited for.
        return ChronoxApiConfig(self.base_url, token=self.token, max_reconnects=None)


def run_monitor(options: MonitorOptions) -> int:
    """Show the monitor until its window closes (0), or write the screenshot and exit."""
    if options.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        if options.screenshot.suffix.lower() != ".png":
            raise InvalidInput(f"--screenshot {options.screenshot}: the file must end in .png")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    # The window's close ends the coroutine, which closes the client and the feed; Qt
    # quitting by itself on the last window would stop the loop under them.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return int(loop.run_until_complete(_monitor(options)))
    finally:
        asyncio.set_event_loop(None)


async def _monitor(options: MonitorOptions) -> int:
    import pyqtgraph as pg
    from PySide6.QtCore import QTimer

    from chronox_entrypoints.gui.controller import ChartChoice, MonitorController
    from chronox_entrypoints.gui.window import MonitorWindow

    pg.setConfigOptions(antialias=False)
    window = MonitorWindow()
    window.resize(*options.size)
    choice = ChartChoice(
        symbols=options.symbols,
        timeframe=options.timeframe,
        session=options.session,
        start=options.start,
        end=options.end,
    )
    controller = MonitorController(
        options.api_config(), window, choice, interactive=options.screenshot is None
    )
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    try:
        if options.screenshot is not None:
            return await screenshot(
                controller, options.screenshot, options.size, options.startup_seconds
            )
        # Ctrl-C in the terminal closes the window as its close button does. Python runs
        # a handler only when it next runs bytecode; while Qt waits (say on the token
        # dialog, before any polling starts) nothing would, so a timer wakes it.
        previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in STOP_SIGNALS}
        waker = QTimer(window)
        waker.timeout.connect(lambda: None)
        waker.start(200)
        # Started beside the wait, so that a window closed while the start waits (for
        # the token dialog, for an API that does not answer) ends the monitor.
        starting = asyncio.ensure_future(controller.start(background=True))
        try:
            await closed.wait()
        finally:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0
    finally:
        await controller.close()
        window.close()


async def screenshot(
    controller: MonitorController, path: Path, size: tuple[int, int], startup_seconds: float
) -> int:
    """Load the chart's whole range, the ribbon, the panels; draw; write the PNG."""
    from PySide6.QtCore import QIODevice, QSaveFile
    from PySide6.QtWidgets import QApplication

    try:
        async with asyncio.timeout(startup_seconds):
            await controller.start(background=False)
    except TimeoutError:
        raise SourceUnavailable(
            f"the API at {controller.config.base_url} did not answer the monitor's start "
            f"within {startup_seconds:g} s (CHRONOX_MONITOR_STARTUP_SECONDS)"
        ) from None
    report = controller.status.report
    # A picture of "disconnected" or "unauthorized" helps nobody.
    if report.api == "unauthorized":
        raise Unauthorized(
            f"the API at {controller.config.base_url} wants a token"
            f" ({report.problem or 'refused'}): give it with --token or CHRONOX_MONITOR_TOKEN"
        )
    if report.api != "connected":
        raise SourceUnavailable(report.problem or f"the API is {report.api}")
    await controller.load_everything()
    controller.show_whole_range()
    window = controller.window
    window.resize(*size)
    for _ in range(3):  # layouts settle over a few passes of the event loop
        QApplication.processEvents()
        await asyncio.sleep(0.05)
    image = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it and renamed over it when whole: never a half-written picture.
    file = QSaveFile(str(path))
    if not (file.open(QIODevice.OpenModeFlag.WriteOnly) and image.save(file, "PNG")):
        file.cancelWriting()
        raise InvalidInput(f"could not write {path}: {file.errorString()}")
    if not file.commit():
        raise InvalidInput(f"could not write {path}: {file.errorString()}")
    return 0
