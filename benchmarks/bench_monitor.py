"""Opening a symbol-year of 1m bars over the API (issue 11): first paint, then the rest
loaded in the background, offscreen.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/bench_monitor.py [--repeats 5] [--quick]

A SQLite store gets a year of synthetic 1m regular-hours bars of SPY (``chronox-cli
ingest``), served by ``chronox-cli serve`` in a process of its own, as a desk would run
it. The monitor opens the symbol-year in a fresh window each repeat:

- **first paint**: from the window's creation to the chart drawn (``grab()``, a full
  render) with the status, the registry with its coverage %, the newest sessions'
  bars, the ribbon and the jobs: what ``controller.start`` loads before the first paint;
- **all loaded**: the older chunks fetched and merged into the chart after that, while
  the event loop keeps running; the longest the loop was kept from a 10 ms ticker meanwhile
  says how responsive the window stays;
- the **baseline** is what a plain client does: fetch every page of the year
  (``bar_pages``), then paint it, in the same window.

``--quick`` opens one month, for the smoke test. The symbols panel at 10,000 registry
symbols has a benchmark of its own: ``benchmarks/bench_symbols_panel.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_entrypoints.gui import chart_bridge
from chronox_entrypoints.gui.controller import ChartChoice, MonitorController
from chronox_entrypoints.gui.presenters import bars as blocks
from chronox_entrypoints.gui.window import MonitorWindow

FIRST_PAINT_TARGET = 1.0
SIZE = (1600, 1000)


def cli(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=900)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(url: str, server: subprocess.Popen[bytes]) -> None:
    with ChronoxClient(ChronoxApiConfig(url, connect_timeout=1)) as client:
        for _ in range(600):
            try:
                client.health()
                return
            except Exception:
                if server.poll() is not None:
                    raise SystemExit("the server stopped") from None
                time.sleep(0.1)
    raise SystemExit("the server did not come up")


class Ticker:
    """The longest the event loop went without running a 10 ms timer (ms)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.worst = max(self.worst, (now - last - 0.01) * 1000)
            last = now

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def open_with_monitor(url: str, start: date, end: date) -> tuple[float, float, float, int]:
    """(first paint s, all loaded s after it, worst loop pause ms, bars held)."""
    began = time.perf_counter()
    window = MonitorWindow()
    window.resize(*SIZE)
    window.show()
    choice = ChartChoice(("SPY",), "1m", "rth", start, end)
    controller = MonitorController(ChronoxApiConfig(url), window, choice)
    try:
        await controller.start(background=False, live=False)
        window.chart.grab()
        first = time.perf_counter() - began
        ticker = Ticker()
        ticker.start()
        rest_began = time.perf_counter()
        await controller.load_everything()
        window.chart.grab()
        rest = time.perf_counter() - rest_began
        ticker.stop()
        return first, rest, ticker.worst, len(window.chart.columns)
    finally:
        await controller.close()
        window.close()
        window.deleteLater()


async def open_all_then_paint(url: str, start: date, end: date) -> tuple[float, int]:
    """BASELINE: every page of the range fetched, then painted."""
    began = time.perf_counter()
    window = MonitorWindow()
    window.resize(*SIZE)
    window.show()
    try:
        with ChronoxClient(ChronoxApiConfig(url)) as client:

            def fetch() -> tuple[list[object], blocks.Block]:
                sessions = client.sessions(start, end)
                block = blocks.empty_block()
                for page in client.bar_pages("SPY", "1m", start, end, limit=50_000):
                    block = blocks.merge(block, blocks.block_of(page.bars))
                return list(sessions), block

            sessions, block = await asyncio.to_thread(fetch)
        window.chart.set_axis(chart_bridge.axis_of(sessions, "1m"))  # type: ignore[arg-type]
        window.chart.set_bars(chart_bridge.columns_of(block))
        window.chart.grab()
        return time.perf_counter() - began, blocks.length(block)
    finally:
        window.close()
        window.deleteLater()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    start, end = (
        (date(2023, 11, 1), date(2023, 11, 30))
        if args.quick
        else (date(2023, 1, 3), date(2023, 12, 29))
    )
    repeats = 1 if args.quick else args.repeats

    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "CHRONOX_STORE": f"sqlite:///{Path(work) / 'year.sqlite3'}",
            "CHRONOX_SOURCE": "synthetic",
        }
        for name in ("CHRONOX_REDIS_URL", "CHRONOX_API_TOKEN", "POLYGON_API_KEY"):
            env.pop(name, None)
        built = time.perf_counter()
        cli(env, "registry", "add", "SPY")
        cli(env, "ingest", "SPY", "--start", start.isoformat(), "--end", end.isoformat())
        print(f"store: SPY 1m {start}..{end} ingested in {time.perf_counter() - built:.1f} s")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(url, server)
            figures = run(url, start, end, repeats)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    report(figures, quick=args.quick)


def run(url: str, start: date, end: date, repeats: int) -> dict[str, list[float]]:
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    figures: dict[str, list[float]] = {
        "first": [],
        "rest": [],
        "pause": [],
        "bars": [],
        "baseline": [],
        "baseline_bars": [],
    }

    def once(step: Callable[[], object]) -> None:
        loop.run_until_complete(step())  # type: ignore[arg-type]

    with loop:
        once(lambda: open_all_then_paint(url, start, end))  # warms the server's caches
        for _ in range(repeats):
            first, rest, pause, held = loop.run_until_complete(open_with_monitor(url, start, end))
            baseline, baseline_bars = loop.run_until_complete(open_all_then_paint(url, start, end))
            for name, value in zip(
                figures, (first, rest, pause, held, baseline, baseline_bars), strict=True
            ):
                figures[name].append(value)
    return figures


def report(figures: dict[str, list[float]], *, quick: bool) -> None:
    median = {name: statistics.median(values) for name, values in figures.items()}
    bars, baseline_bars = int(median["bars"]), int(median["baseline_bars"])
    assert bars == baseline_bars, f"the monitor holds {bars} bars, the baseline {baseline_bars}"
    ratio = statistics.median(
        f / b for f, b in zip(figures["first"], figures["baseline"], strict=True)
    )
    met = "met" if median["first"] < FIRST_PAINT_TARGET else "MISSED"
    print(f"bars: {bars:,} (1m, regular hours), {len(figures['first'])} repeats, medians")
    print(
        f"first paint: {median['first'] * 1000:.0f} ms (target < 1 s: {met}); "
        f"all fetched then painted (baseline): {median['baseline'] * 1000:.0f} ms; "
        f"ratio {ratio:.2f}x"
    )
    print(
        f"the rest loaded in the background: {median['rest'] * 1000:.0f} ms after the first "
        f"paint; the event loop's longest pause meanwhile: {median['pause']:.0f} ms"
    )
    if quick:
        assert bars > 5_000


if __name__ == "__main__":
    main()
