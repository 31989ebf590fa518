"""The web dashboard in a real browser (issue 21): what an operator waits for.

    python3 benchmarks/run.py --only dashboard     # the group (minutes: the seeding)
    python3 -m benchmarks.bench_dashboard [--quick]

One SQLite store, written straight through the store's bulk write (``write_many``, no
CLI ingest), served by ``chronox-cli serve`` on loopback; Debian's headless Chromium
(Playwright, never a downloaded browser) opens the page in a fresh context (empty
cache and storage) for each repeat.

* **The universe view**: 10,000 registry symbols x 20 sessions of daily bars and their
  final ledger (each day, 1 symbol in 101 never fetched: a gap; 1 in 257 fetched with
  no bar: confirmed empty). First paint: the page's mark ``chronox:universe-painted``
  (the first heat-map frame with rows), from navigation start. Baseline: the matrix
  alone, ``GET /coverage/matrix`` fetched and parsed by the same page (no page can paint
  before that). Target < 1 s.
* **A symbol-year of 1m bars** (synthetic regular hours of 2023, about 97,000 bars):
  first paint, the mark ``chronox:chart-painted``. Baseline: the year's bars as the
  API's JSON pages, fetched and parsed in the page. Target < 1.5 s.
* **Panning 1M bars** (1m regular hours from September 2014 to 2024, about 1,005,000
  bars in one window) with a mouse drag, at the chart's default zoom and zoomed out to
  its smallest bar spacing. Two measures of each frame: its requestAnimationFrame delta
  (the cadence the operator sees; headless Chromium clocks frames at 60 Hz, so a frame
  made in time is a 16.7 ms delta whatever it cost, and a late one 33 ms), and its work:
  from the frame's start (the rAF timestamp) to the end of its rendering update (a
  message posted from the frame's rAF callback runs once the frame's style, layout and
  paint are done), which includes the chart's own drawing in its rAF callback. Target:
  the work's 95th percentile < 16 ms. Baseline: the same drags over a window of the same
  symbol holding 10,000 bars (the ratio says whether the history's size costs anything
  per frame).

Figures are reported, never asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on the path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from benchmarks.timing import Figure
from chronox_adapters.synthetic.source import SyntheticSource
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.ports import MarketDataRepository, SymbolRegistry, TradingCalendar
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import Session, SessionKind, slot_window
from chronox_domain.timeframe import Timeframe
from tests.browser.harness import launch, missing_prerequisite, serve, watched_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SOURCE = "synthetic"
#: Each day, the universe's symbols with (index + day number) % GAP == 0 are not in the
#: store (a gap), and those with % EMPTY == 0 have their span but no bar (empty).
GAP, EMPTY = 101, 257
UNIVERSE_SESSIONS = (date(2024, 10, 1), date(2024, 10, 28))  # 20 sessions
YEAR, YEAR_RANGE = "YEAR", (date(2023, 1, 3), date(2023, 12, 29))
MEGA = "MEGA"
#: Frames are a drag's worth of requestAnimationFrame deltas; the drag, pixels each way.
DRAG_PIXELS = 250
TARGET_UNIVERSE, TARGET_CHART, TARGET_FRAME = 1.0, 1.5, 0.016
#: Headless Chromium's frame clock (60 Hz): a delta over 1.5 of it is a late frame.
FRAME_PERIOD_MS = 1000 / 60


@dataclass(frozen=True, slots=True)
class Sizes:
    symbols: int = 10_000
    repeats: int = 5
    #: The million bars' window: regular-hours sessions from this date to MEGA_LAST.
    mega_first: date = date(2014, 9, 2)
    mega_last: date = date(2024, 12, 31)
    #: The baseline window of the same symbol: this many sessions, about 10,000 bars.
    small_sessions: int = 26
    #: Mouse moves per drag (one each way per drag); drags per measure.
    steps: int = 120
    drags: int = 2


FULL = Sizes()
QUICK = Sizes(symbols=500, repeats=2, mega_first=date(2024, 7, 1), steps=40, drags=1)


# --- the store, written before any clock starts ------------------------------------------


def tickers(count: int) -> list[str]:
    """``count`` distinct four-letter symbols (AAAA, AAAB, ...)."""
    names = []
    for number in range(count):
        letters, rest = "", number
        for _ in range(4):
            rest, digit = divmod(rest, 26)
            letters = chr(ord("A") + digit) + letters
        names.append(letters)
    return names


def universe_batches(names: list[str], sessions: list[Session]) -> Iterator[BarBatch]:
    """Each symbol's daily bars and final spans over ``sessions``, less its gaps and
    the bars of its empty days."""
    for index, name in enumerate(names):
        bars: list[Bar] = []
        spans: list[CoverageSpan] = []
        for day, session in enumerate(sessions):
            if (index + day) % GAP == 0:
                continue
            window = slot_window(session, Timeframe.D1)
            spans.append(CoverageSpan(window, CoverageStatus.FINAL, SOURCE))
            if (index + day) % EMPTY == 0:
                continue
            price = 20.0 + index % 480 + day * 0.25
            high, low, close = price * 1.02, price * 0.98, price * 1.01
            bars.append(Bar(name, Timeframe.D1, window.start, price, high, low, close, 1e6))
        yield BarBatch(name, Timeframe.D1, bars, SOURCE, None, spans)


def minute_batches(
    symbol: str, sessions: list[Session], source: SyntheticSource
) -> Iterator[BarBatch]:
    """The synthetic source's regular-hours minutes of each session, with its final span."""
    for session in sessions:
        window = Interval(session.open, session.close)
        bars = source.fetch(symbol, Timeframe.M1, window).bars
        span = CoverageSpan(window, CoverageStatus.FINAL, SOURCE)
        yield BarBatch(symbol, Timeframe.M1, bars, SOURCE, None, [span])


def write_in_chunks(repository: MarketDataRepository, batches: Iterator[BarBatch]) -> int:
    written, chunk = 0, []
    for batch in batches:
        chunk.append(batch)
        if len(chunk) == 500:
            written += repository.write_many(chunk)
            chunk = []
    return written + repository.write_many(chunk)


@dataclass(frozen=True, slots=True)
class Seeded:
    universe: list[str]
    universe_sessions: list[Session]
    year_bars: int
    mega_sessions: list[Session]
    mega_bars: int
    seconds: float


def seed(
    repository: MarketDataRepository,
    registry: SymbolRegistry,
    calendar: TradingCalendar,
    sizes: Sizes,
    say: Callable[[str], None],
) -> Seeded:
    started = time.perf_counter()
    names = tickers(sizes.symbols)
    universe = calendar.sessions(*UNIVERSE_SESSIONS, SessionKind.RTH)
    entries = [SymbolEntry(name, (Timeframe.D1,)) for name in names]
    registry.put_many([*entries, SymbolEntry(YEAR), SymbolEntry(MEGA)])
    write_in_chunks(repository, universe_batches(names, universe))
    say(f"universe: {len(names):,} symbols x {len(universe)} sessions written")
    source = SyntheticSource(calendar)
    year = calendar.sessions(*YEAR_RANGE, SessionKind.RTH)
    year_bars = write_in_chunks(repository, minute_batches(YEAR, year, source))
    say(f"{YEAR}: {year_bars:,} 1m bars written")
    mega = calendar.sessions(sizes.mega_first, sizes.mega_last, SessionKind.RTH)
    mega_bars = write_in_chunks(repository, minute_batches(MEGA, mega, source))
    say(f"{MEGA}: {mega_bars:,} 1m bars written ({time.perf_counter() - started:.0f} s in all)")
    return Seeded(names, universe, year_bars, mega, mega_bars, time.perf_counter() - started)


def seed_sqlite(path: Path, sizes: Sizes, say: Callable[[str], None]) -> Seeded:
    from chronox_entrypoints.container import bootstrap
    from chronox_entrypoints.settings import Settings

    values = {"store": f"sqlite:///{path}", "source": SOURCE, "redis_url": ""}
    settings = Settings.model_validate(values)
    container = bootstrap(settings)
    try:
        return seed(container.repository(), container.registry(), container.calendar(), sizes, say)
    finally:
        container.shutdown_resources()


# --- what the page is timed on ------------------------------------------------------------

MARKS = """() => Object.fromEntries(performance.getEntriesByType("mark")
    .filter((mark) => mark.name.startsWith("chronox:"))
    .map((mark) => [mark.name, mark.startTime]))"""

#: Fetch and parse a path, following the API's cursor: the milliseconds and bytes.
FETCH_ALL = """async (path) => {
    const started = performance.now();
    let cursor = null, size = 0;
    do {
        const url = cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path;
        const response = await fetch(url, { cache: "no-store" });
        const text = await response.text();
        size += text.length;
        cursor = JSON.parse(text).next_cursor ?? null;
    } while (cursor);
    return [performance.now() - started, size];
}"""

#: Each frame's rAF delta, and its work: from its start (the rAF timestamp) to the message
#: its rAF callback posted, which runs once the frame's rendering update is done.
RECORD_FRAMES = """() => {
    const frames = (window.chronoxFrames = { deltas: [], work: [], recording: true });
    const channel = new MessageChannel();
    let started = null;
    channel.port1.onmessage = () => {
        if (started !== null) frames.work.push(performance.now() - started);
        started = null;
    };
    let last = 0;
    const tick = (now) => {
        if (last) frames.deltas.push(now - last);
        last = now;
        started = now;
        channel.port2.postMessage(0);
        if (frames.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""

STOP_FRAMES = """() => {
    window.chronoxFrames.recording = false;
    return [window.chronoxFrames.deltas, window.chronoxFrames.work];
}"""


def first_paint(browser: Browser, url: str, painted: str, mark: str) -> dict[str, float]:
    """The page's marks (ms from navigation start) once ``painted`` is on <body>."""
    with watched_page(browser) as watched:
        watched.page.goto(url)
        watched.page.wait_for_selector(f"body[{painted}=true]", state="attached", timeout=300_000)
        marks: dict[str, float] = watched.page.evaluate(MARKS)
        problems = watched.problems()
    if problems:
        raise RuntimeError(f"the page went wrong: {problems}")
    assert mark in marks, marks
    return marks


def fetched_in_page(browser: Browser, base: str, path: str) -> tuple[float, int]:
    """Milliseconds and characters of ``path`` (all its pages) fetched and parsed by a page."""
    with watched_page(browser) as watched:
        watched.page.goto(f"{base}/ui/#/status")  # any page of this origin
        result = watched.page.evaluate(FETCH_ALL, path)
    return float(result[0]), int(result[1])


def median_of(samples: list[float]) -> float:
    return statistics.median(samples)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass(frozen=True, slots=True)
class Frames:
    """Milliseconds per frame: requestAnimationFrame deltas, and the frames' work."""

    deltas: list[float]
    work: list[float]


def drag_frames(page: Page, sizes: Sizes) -> Frames:
    """The frames while the mouse drags the chart right and back. A drag that does not
    pan fails it: the slot under the cursor's end point must not be the one it was."""
    box = page.get_by_test_id("chart").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.35
    readout = page.get_by_test_id("chart-readout")
    page.mouse.move(x + DRAG_PIXELS, y)
    unpanned = readout.inner_text()
    page.mouse.move(x - DRAG_PIXELS, y)
    page.mouse.down()
    page.evaluate(RECORD_FRAMES)
    for drag in range(sizes.drags):
        page.mouse.move(x + DRAG_PIXELS, y, steps=sizes.steps)
        if drag == 0 and readout.inner_text() == unpanned:
            raise RuntimeError(f"the drag did not pan the chart: {unpanned!r} under the cursor")
        page.mouse.move(x - DRAG_PIXELS, y, steps=sizes.steps)
    deltas, work = page.evaluate(STOP_FRAMES)
    page.mouse.up()
    return Frames(deltas, work[1:])  # the first frame's work includes the recorder's start


def zoom_out(page: Page) -> None:
    """Wheel the chart out until a wheel no longer changes it (its smallest bar spacing)."""
    chart = page.get_by_test_id("chart")
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.35)
    last = b""
    for _ in range(200):
        for _ in range(10):
            page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
        shot = chart.screenshot()
        if shot == last:
            return
        last = shot
    raise RuntimeError("the chart kept changing after 2,000 wheel steps out")


@dataclass(frozen=True, slots=True)
class Panned:
    default: Frames
    #: None when not asked for.
    zoomed_out: Frames | None
    load_ms: float


def pan(browser: Browser, url: str, sizes: Sizes, zoomed_out: bool) -> Panned:
    """Drags at the default zoom, then (``zoomed_out``) at the smallest bar spacing."""
    with watched_page(browser) as watched:
        page = watched.page
        page.goto(url)
        page.wait_for_selector("body[data-chart-painted=true]", state="attached", timeout=600_000)
        page.wait_for_selector('[data-testid="view-symbol"][data-state="ready"]', timeout=600_000)
        load = float(page.evaluate(MARKS)["chronox:chart-painted"])
        default = drag_frames(page, sizes)
        zoomed = None
        if zoomed_out:
            zoom_out(page)
            zoomed = drag_frames(page, sizes)
        problems = watched.problems()
    if problems:
        raise RuntimeError(f"the page went wrong: {problems}")
    return Panned(default, zoomed, load)


# --- the run --------------------------------------------------------------------------------


def run(quick: bool = False, say: Callable[[str], None] = print) -> list[Figure]:
    sizes = QUICK if quick else FULL
    reason = missing_prerequisite()
    if reason is not None:
        say(f"dashboard benchmarks skipped: {reason}")
        return []
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        folder = Path(work)
        path = folder / "dashboard.sqlite3"
        seeded = seed_sqlite(path, sizes, say)
        with serve(f"sqlite:///{path}", folder) as served:
            browser = launch(playwright)
            try:
                figures = paint_figures(browser, served.base, seeded, sizes, say)
                figures += pan_figures(browser, served.base, seeded, sizes, say)
            finally:
                browser.close()
    return figures


def paint_figures(
    browser: Browser, base: str, seeded: Seeded, sizes: Sizes, say: Callable[[str], None]
) -> list[Figure]:
    first, last = seeded.universe_sessions[0].date, seeded.universe_sessions[-1].date
    query = f"timeframe=1d&session=rth&start={first}&end={last}"
    universe_url = f"{base}/ui/#/universe?tf=1d&start={first}&end={last}"
    year_first, year_last = YEAR_RANGE
    year_url = f"{base}/ui/#/symbol/{YEAR}?tf=1m&start={year_first}&end={year_last}"
    year_path = (
        f"/bars/{YEAR}?timeframe=1m&start={year_first}&end={year_last}&adjust=splits&limit=50000"
    )
    universe: list[dict[str, float]] = []
    chart: list[dict[str, float]] = []
    matrix: list[float] = []
    bars: list[float] = []
    sizes_seen: dict[str, int] = {}
    for repeat in range(sizes.repeats):
        universe.append(
            first_paint(browser, universe_url, "data-universe-painted", "chronox:universe-painted")
        )
        ms, sizes_seen["matrix"] = fetched_in_page(browser, base, f"/coverage/matrix?{query}")
        matrix.append(ms)
        chart.append(first_paint(browser, year_url, "data-chart-painted", "chronox:chart-painted"))
        ms, sizes_seen["bars"] = fetched_in_page(browser, base, year_path)
        bars.append(ms)
        say(
            f"repeat {repeat + 1}: universe {universe[-1]['chronox:universe-painted']:.0f} ms "
            f"(matrix alone {matrix[-1]:.0f} ms), year {chart[-1]['chronox:chart-painted']:.0f} ms "
            f"(JSON pages alone {bars[-1]:.0f} ms)"
        )
    return [
        paint_figure(
            "universe",
            f"first paint of the universe view: {len(seeded.universe):,} symbols x "
            f"{len(seeded.universe_sessions)} sessions, from navigation start",
            universe,
            "chronox:universe-painted",
            matrix,
            f"GET /coverage/matrix fetched and parsed in the page ({sizes_seen['matrix']:,} chars)",
            TARGET_UNIVERSE,
        ),
        paint_figure(
            "chart",
            f"first paint of a symbol-year of 1m bars ({seeded.year_bars:,} bars), "
            "from navigation start",
            chart,
            "chronox:chart-painted",
            bars,
            f"the year's JSON pages fetched and parsed in the page ({sizes_seen['bars']:,} chars)",
            TARGET_CHART,
        ),
    ]


def paint_figure(
    name: str,
    what: str,
    runs: list[dict[str, float]],
    mark: str,
    baseline: list[float],
    baseline_what: str,
    target: float,
) -> Figure:
    painted = median_of([marks[mark] for marks in runs]) / 1e3
    alone = median_of(baseline) / 1e3
    steps = {
        key.removeprefix("chronox:"): median_of([marks[key] for marks in runs if key in marks])
        for key in sorted({key for marks in runs for key in marks})
    }
    return Figure(
        benchmark="dashboard",
        what=what,
        baseline=f"{baseline_what}: {alone * 1e3:,.0f} ms",
        chronox=f"{painted * 1e3:,.0f} ms (median of {len(runs)})",
        ratio=painted / alone,
        ratio_label="the data's fetch alone",
        target=f"< {target:g} s",
        met=painted < target,
        data={
            "seconds": painted,
            "baseline_seconds": alone,
            **{f"{name}:{k}": v for k, v in steps.items()},
        },
    )


def pan_figures(
    browser: Browser, base: str, seeded: Seeded, sizes: Sizes, say: Callable[[str], None]
) -> list[Figure]:
    """The million bars at the default zoom against a 10,000-slot window of the same
    symbol at the same zoom; zoomed out (about 100,000 slots across) against the million
    bars' own default zoom."""
    sessions = seeded.mega_sessions
    small = sessions[-sizes.small_sessions :]
    mega_url = f"{base}/ui/#/symbol/{MEGA}?tf=1m&start={sessions[0].date}&end={sessions[-1].date}"
    small_url = f"{base}/ui/#/symbol/{MEGA}?tf=1m&start={small[0].date}&end={small[-1].date}"
    small_slots = len(small) * 390  # the synthetic source leaves a few of them empty
    baseline = pan(browser, small_url, sizes, zoomed_out=False).default
    say(f"pan, {small_slots:,}-slot window: {summary(baseline)}")
    measured = pan(browser, mega_url, sizes, zoomed_out=True)
    assert measured.zoomed_out is not None
    say(
        f"pan, {seeded.mega_bars:,} bars (painted {measured.load_ms / 1e3:.1f} s after navigation):"
    )
    say(f"  default zoom: {summary(measured.default)}")
    say(f"  zoomed out: {summary(measured.zoomed_out)}")
    held = f"panning {seeded.mega_bars:,} 1m bars"
    return [
        frame_figure(
            f"{held}, default zoom",
            f"the same drag over a window of {small_slots:,} slots",
            baseline,
            measured.default,
            f"the {small_slots:,}-slot window's",
        ),
        frame_figure(
            f"{held}, zoomed out to the smallest bar spacing",
            "the same drag at the default zoom",
            measured.default,
            measured.zoomed_out,
            "the default zoom's",
        ),
    ]


def summary(frames: Frames) -> str:
    late = sum(1 for delta in frames.deltas if delta > 1.5 * FRAME_PERIOD_MS)
    return (
        f"work median {median_of(frames.work):.1f} ms, p95 {percentile(frames.work, 0.95):.1f} ms,"
        f" max {max(frames.work):.1f} ms; rAF deltas median {median_of(frames.deltas):.1f} ms,"
        f" p95 {percentile(frames.deltas, 0.95):.1f} ms, {late} of {len(frames.deltas)} late"
    )


def frame_figure(
    what: str, baseline_what: str, baseline: Frames, frames: Frames, ratio_label: str
) -> Figure:
    p95 = percentile(frames.work, 0.95) / 1e3
    base_p95 = percentile(baseline.work, 0.95) / 1e3
    return Figure(
        benchmark="dashboard",
        what=f"frame work (95th percentile), {what}",
        baseline=f"{baseline_what}: {base_p95 * 1e3:.1f} ms",
        chronox=f"{p95 * 1e3:.1f} ms ({summary(frames)})",
        ratio=p95 / base_p95,
        ratio_label=ratio_label,
        target=f"< {TARGET_FRAME * 1e3:g} ms",
        met=p95 < TARGET_FRAME,
        data={
            "work_p95_seconds": p95,
            "work_median_seconds": median_of(frames.work) / 1e3,
            "work_max_seconds": max(frames.work) / 1e3,
            "delta_p95_seconds": percentile(frames.deltas, 0.95) / 1e3,
            "frames": float(len(frames.deltas)),
            "baseline_work_p95_seconds": base_p95,
        },
    )


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import text_sections

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    figures = run(args.quick)
    print(text_sections(figures), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
