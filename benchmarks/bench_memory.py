"""Memory of the long answers (issue 18): what a long range costs, against a short one.

A bounded answer costs about the same whatever its range; one that holds the range
grows with it. Each figure is the same request over the whole range (chronox) and
over a quarter of it (baseline), so a ratio near 1 means bounded and near 4 means the
range is held. One store of SPY's synthetic 1m regular-hours bars serves them all.

- ``GET /bars`` as Parquet and as a JSON page: the app called in-process as an ASGI app
  whose ``send`` drops the body as it comes (a test client would keep the body: the
  client's memory, not the server's), Python's allocations traced (peak above what was
  held before the request). The JSON page's quarter is a page a quarter as long.
- ``chronox-cli bars`` as json and as a table: a fresh process each, stdout to
  /dev/null, its peak resident set (``VmHWM``); the same command over one session is
  the floor of the process (interpreter, imports, store).
- ``check_frame`` on a clean frame of 1m bars: the peak of allocations traced while it
  checks, against the frame's own size (``memory_usage(deep=True)``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.timing import Figure
from chronox_domain.ports import TradingCalendar

ROOT = Path(__file__).resolve().parents[1]
SYMBOL = "SPY"
#: A bounded answer: the whole range costs at most this many times its quarter.
TARGET_GROWTH = 1.5
#: check_frame: the peak beyond the frame, at most this many times the frame's size.
TARGET_CHECK = 1.0


@dataclass(frozen=True, slots=True)
class Sizes:
    first: date
    quarter: date
    last: date
    #: Rows of the clean frame ``check_frame`` checks.
    frame_rows: int


FULL = Sizes(date(2023, 1, 3), date(2024, 7, 1), date(2024, 12, 31), 4_000_000)
QUICK = Sizes(date(2024, 11, 4), date(2024, 11, 25), date(2024, 11, 29), 20_000)


def _mb(count: float) -> str:
    return f"{count / 2**20:,.1f} MiB"


@contextlib.contextmanager
def stocked(sizes: Sizes) -> Iterator[str]:
    """The URL of a SQLite store holding SPY's synthetic 1m bars over the range."""
    from chronox_domain.services.ingestion import IngestRequest
    from chronox_entrypoints.container import Container
    from chronox_entrypoints.settings import Settings

    with tempfile.TemporaryDirectory(prefix="chronox-bench-memory-") as folder:
        store = f"sqlite:///{Path(folder) / 'store.sqlite3'}"
        container = Container(settings=Settings(store=store, redis_url=""))
        try:
            request = IngestRequest((SYMBOL,), start=sizes.first, end=sizes.last)
            container.ingestion().ingest(request)
        finally:
            container.shutdown_resources()
        yield store


# --- GET /bars -------------------------------------------------------------------------


def _asgi_peak(client: Any, query: str) -> tuple[int, int]:
    """The body's length and the peak of Python allocations (bytes, above what was held
    before) while the app answers ``GET /bars/SPY?query``."""
    import anyio

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": f"/bars/{SYMBOL}", "raw_path": f"/bars/{SYMBOL}".encode(),
        "root_path": "", "query_string": query.encode(), "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1), "server": ("bench", 80),
    }  # fmt: skip
    answer = {"status": 0, "length": 0}
    requested, finished = False, anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["length"] += len(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        client.portal.call(client.app, scope, receive, send)
        peak = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    if answer["status"] != 200:
        raise AssertionError(f"GET /bars/{SYMBOL}?{query} answered {answer['status']}")
    return answer["length"], peak


def api_figures(store: str, sizes: Sizes) -> list[Figure]:
    from fastapi.testclient import TestClient

    from chronox_entrypoints.api import create_app
    from chronox_entrypoints.container import Container
    from chronox_entrypoints.settings import Settings

    whole = f"start={sizes.first}&end={sizes.last}"
    quarter = f"start={sizes.quarter}&end={sizes.last}"
    asked = (
        ("Parquet", f"{whole}&format=parquet", f"{quarter}&format=parquet", "the range"),
        ("a JSON page", f"{whole}&format=json&limit=50000",
         f"{whole}&format=json&limit=12500", "limit=50000"),
    )  # fmt: skip
    settings = Settings(store=store, redis_url="", api_auth_reads=False)
    figures = []
    with TestClient(create_app(Container(settings=settings))) as client:
        for _, long_query, _, _ in asked:  # imports (pyarrow, pandas) are not an answer's
            _asgi_peak(client, long_query.replace(str(sizes.first), str(sizes.last)))
        for name, long_query, short_query, scope in asked:
            short_length, short_peak = _asgi_peak(client, short_query)
            length, peak = _asgi_peak(client, long_query)
            growth = peak / short_peak
            figures.append(
                Figure(
                    benchmark="memory-api",
                    what=f"GET /bars/{SYMBOL} as {name}, {scope} {sizes.first}..{sizes.last} "
                    f"(1m RTH; body {_mb(length)}): peak traced in the server",
                    baseline=f"a quarter of it (body {_mb(short_length)}): {_mb(short_peak)}",
                    chronox=_mb(peak),
                    ratio=growth,
                    ratio_label="the quarter's peak",
                    target=f"<= {TARGET_GROWTH}x (bounded)",
                    met=growth <= TARGET_GROWTH,
                    data={
                        "peak_bytes": peak,
                        "quarter_peak_bytes": short_peak,
                        "body_bytes": length,
                        "quarter_body_bytes": short_length,
                    },
                )
            )
    return figures


# --- chronox-cli bars ------------------------------------------------------------------


#: Runs the CLI, then reports its peak resident set (VmHWM: the high-water mark of this
#: process's memory, fresh at exec; a child's ru_maxrss would carry its forking parent's).
_DRIVER = """
import sys
from chronox_entrypoints.cli.main import main
try:
    main(sys.argv[1:])
finally:
    sys.stdout.flush()
    with open("/proc/self/status") as status:
        sys.stderr.write(next(line for line in status if line.startswith("VmHWM")))
"""


def max_rss(args: list[str]) -> int:
    """The peak resident set (bytes) of ``chronox-cli args`` run from this working tree
    (not whatever the installed script points at), its stdout dropped."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, *args],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    last = done.stderr.rstrip().rsplit("\n", 1)[-1]
    if done.returncode != 0 or not last.startswith("VmHWM"):
        raise AssertionError(f"chronox-cli {' '.join(args)}: {done.stderr[-500:]}")
    return int(last.split()[1]) * 1024  # kB


def cli_figures(store: str, sizes: Sizes) -> list[Figure]:
    def bars(first: date, fmt: str) -> list[str]:
        return ["bars", SYMBOL, "--start", str(first), "--end", str(sizes.last),
                "--format", fmt, "--store", store]  # fmt: skip

    figures = []
    for fmt in ("json", "table"):
        floor = max_rss(bars(sizes.last, fmt))
        short = max_rss(bars(sizes.quarter, fmt))
        whole = max_rss(bars(sizes.first, fmt))
        growth = whole / short
        figures.append(
            Figure(
                benchmark="memory-cli",
                what=f"chronox-cli bars {SYMBOL} --format {fmt}, 1m RTH "
                f"{sizes.first}..{sizes.last}, stdout to /dev/null: max RSS "
                f"(one session: {_mb(floor)})",
                baseline=f"from {sizes.quarter} (a quarter): {_mb(short)}",
                chronox=_mb(whole),
                ratio=growth,
                ratio_label="the quarter's RSS",
                target=f"<= {TARGET_GROWTH}x (bounded)",
                met=growth <= TARGET_GROWTH,
                data={"rss_bytes": whole, "quarter_rss_bytes": short, "session_rss_bytes": floor},
            )
        )
    return figures


# --- check_frame -----------------------------------------------------------------------


def clean_minutes(calendar: TradingCalendar, rows: int) -> Any:
    """Whole regular sessions of 1m bars from 1990 on (the calendar's first year), at
    least ``rows`` of them (4.5M at most), built as arrays (as
    tests/unit/test_frames_check.py builds them, from 2010: 2.5M at most)."""
    import numpy as np
    import pandas as pd

    from chronox_domain import SessionKind, Timeframe, expected_windows

    sessions = calendar.sessions(date(1990, 1, 2), date(2035, 12, 31), SessionKind.RTH)
    pieces, count = [], 0
    for window in expected_windows(sessions, Timeframe.M1):
        start, end = (int(moment.timestamp()) * 10**9 for moment in (window.start, window.end))
        pieces.append(np.arange(start, end, 60 * 10**9))
        count += len(pieces[-1])
        if count >= rows:
            break
    index = pd.DatetimeIndex(np.concatenate(pieces).view("datetime64[ns]"), name="start")
    price = 100 + np.sin(np.arange(count) / 500)
    columns = {"open": price, "high": price + 1, "low": price - 1, "close": price}
    return pd.DataFrame({**columns, "volume": np.full(count, 10.0)}, index=index.tz_localize("UTC"))


def check_figure(calendar: TradingCalendar, rows: int) -> Figure:
    from chronox_adapters.frames import check_frame

    frame = clean_minutes(calendar, rows)
    size = int(frame.memory_usage(deep=True).sum())
    check_frame(frame.iloc[:10], calendar=calendar)  # imports and caches outside the count
    tracemalloc.start()
    try:
        report = check_frame(frame, calendar=calendar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if not report.ok:
        raise AssertionError(f"check_frame found faults in a clean frame: {report}")
    share = peak / size
    return Figure(
        benchmark="memory-check",
        what=f"check_frame on a clean frame of {len(frame):,} 1m RTH rows: peak traced "
        "beyond the frame",
        baseline=f"the frame itself: {_mb(size)}",
        chronox=_mb(peak),
        ratio=share,
        ratio_label="the frame's size",
        target=f"<= {TARGET_CHECK}x",
        met=share <= TARGET_CHECK,
        data={"rows": len(frame), "frame_bytes": size, "peak_bytes": peak},
    )


def run(calendar: TradingCalendar, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    measured: list[Callable[[str], list[Figure]]] = [
        lambda store: api_figures(store, sizes),
        lambda store: cli_figures(store, sizes),
    ]
    figures: list[Figure] = []
    with stocked(sizes) as store:
        for measure in measured:
            figures += measure(store)
    figures.append(check_figure(calendar, sizes.frame_rows))
    return figures
