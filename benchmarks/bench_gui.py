"""The monitor's chart (issue 11) against pyqtgraph's own candlestick example, offscreen.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/bench_gui.py [--quick]

The baseline is the approach of pyqtgraph's ``examples/customGraphicsItem.py``
(``CandlestickItem``): record every bar once into one ``QPicture`` (a wick line and a
body rectangle per bar, the brush switched per bar), then replay the whole picture on
each paint. It indexes bars by their position, so it draws on the same slot x values as
chronox here. chronox's ``ChartView`` paints only the visible slots, merges bars per
pixel column when they outnumber the pixels, and draws volume, the coverage ribbon and
session marks besides; the baseline draws candles alone, so the ratios are conservative.

Both sides are timed the same way: ``QWidget.grab()`` of a 1600x900 widget (a full
render into a pixmap), median of repeats. The baseline's picture at 1M bars takes
seconds to record, so it is recorded once, and its slower figures measured few times.
``--quick`` runs small sizes, for the smoke test; it checks what was drawn, not timings.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, qVersion
from PySide6.QtGui import QColor, QImage, QPainter, QPicture
from PySide6.QtWidgets import QApplication

from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.pixels import merge_per_column
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_entrypoints.gui.chart.view import ChartView
from chronox_presentation.bars import BarOut

WIDTH, HEIGHT = 1600, 900
WINDOW = 2_000  # bars in the panned window


# -- the baseline: pyqtgraph's candlestick example ---------------------------------------


class BaselineCandlestickItem(pg.GraphicsObject):  # type: ignore[misc]
    """BASELINE. pyqtgraph's example: one QPicture of every bar, replayed on each paint."""

    def __init__(self, data: list[tuple[float, float, float, float, float]]) -> None:
        super().__init__()
        self.data = data  # (t, open, close, min, max), as in the example
        self.generatePicture()

    def generatePicture(self) -> None:
        self.picture = QPicture()
        p = QPainter(self.picture)
        p.setPen(pg.mkPen("w"))
        w = (self.data[1][0] - self.data[0][0]) / 3.0
        for t, open_, close, low, high in self.data:
            p.drawLine(QPointF(t, low), QPointF(t, high))
            p.setBrush(pg.mkBrush("r") if open_ > close else pg.mkBrush("g"))
            p.drawRect(QRectF(t - w, open_, w * 2, close - open_))
        p.end()

    def paint(self, p: QPainter, *args: object) -> None:
        p.drawPicture(0, 0, self.picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self.picture.boundingRect())


# -- data ------------------------------------------------------------------------------

ROOM = 1_000  # empty slots left after the last bar, for live bars to arrive in


@dataclass(frozen=True)
class Series:
    axis: SlotAxis
    columns: BarColumns
    slots: npt.NDArray[np.int64]


@cache
def xnys() -> ExchangeCalendar:
    """Built before the empty app is measured: it imports pandas, which the monitor
    does not (it reads its sessions from the API)."""
    return ExchangeCalendar("XNYS", date(1990, 1, 1), date(2024, 12, 31))


def synthetic_series(bars: int, seed: int = 11) -> Series:
    """``bars`` 1m bars of regular hours up to late 2024, a random walk, every 997th slot
    left empty (a hole), and ``ROOM`` slots free at the end for live bars."""
    sessions_needed = int(bars * 1.002 + ROOM) // 390 + 10  # early closes are shorter
    calendar = xnys()
    first = date(2024 - (sessions_needed // 252 + 2), 1, 1)
    sessions = calendar.sessions(first, date(2024, 12, 31), SessionKind.RTH)[-sessions_needed:]
    axis = SlotAxis(sessions, Timeframe.M1)
    end = len(axis) - ROOM
    slots = np.arange(end - int(bars * 1.002) - 2, end)
    slots = slots[(slots % 997) != 0][-bars:]
    assert slots[0] >= 0 and slots.shape[0] == bars
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 4e-4, slots.shape[0])))
    open_ = np.concatenate([[100.0], close[:-1]])
    spread = np.abs(rng.normal(0, 5e-4, slots.shape[0])) * close
    high, low = np.maximum(open_, close) + spread, np.minimum(open_, close) - spread
    volume = rng.integers(100, 10_000, slots.shape[0]).astype(np.float64)
    columns = BarColumns.from_arrays(axis.start_of(slots), open_, high, low, close, volume)
    return Series(axis, columns, slots)


# -- measuring -------------------------------------------------------------------------


def seconds(run: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``run()`` over ``repeats``."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def rss_bytes() -> int:
    """Resident memory, after handing freed heap back to the system (glibc keeps freed
    blocks otherwise, and the figure would count numpy's temporaries long gone)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def unchanged_copy(series: Series) -> Series:
    c = series.columns
    columns = BarColumns.from_arrays(c.start_ns, c.open, c.high, c.low, c.close, c.volume)
    return Series(series.axis, columns, series.slots.copy())


def new_chart() -> ChartView:
    view = ChartView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    QApplication.processEvents()
    return view


def baseline_plot(series: Series) -> tuple[pg.PlotWidget, BaselineCandlestickItem, float]:
    c = series.columns
    data = list(zip(series.slots.astype(float), c.open, c.close, c.low, c.high, strict=True))
    started = time.perf_counter()
    item = BaselineCandlestickItem(data)
    recorded = time.perf_counter() - started
    plot = pg.PlotWidget()
    plot.addItem(item)
    plot.resize(WIDTH, HEIGHT)
    plot.show()
    QApplication.processEvents()
    return plot, item, recorded


def colour_share(image: QImage, colour: str) -> float:
    """The share of pixels of exactly ``colour`` (a correctness check, not a figure)."""
    ptr = image.convertToFormat(QImage.Format.Format_RGB32).constBits()
    pixels = np.frombuffer(ptr, dtype=np.uint32)
    return float(np.mean(pixels == (QColor(colour).rgb() & 0xFFFFFFFF)))


class Alternating:
    """Show ``[first, first + width)`` and its neighbour one slot on, in turn, so that no
    paint can reuse the one before."""

    def __init__(self, show: Callable[[int, int], object], first: int, width: int) -> None:
        self._show, self._first, self._width, self._flip = show, first, width, 0

    def __call__(self) -> None:
        self._flip ^= 1
        self._show(self._first + self._flip, self._first + self._flip + self._width)


class Panning:
    """Show a ``width``-slot window moved on by ``step`` slots at each call."""

    def __init__(
        self, show: Callable[[int, int], object], first: int, width: int, step: int = 37
    ) -> None:
        self._show, self._first, self._width, self._step = show, first, width, step

    def __call__(self) -> None:
        self._first += self._step
        self._show(self._first, self._first + self._width)


# -- the figures -----------------------------------------------------------------------


@dataclass
class Row:
    what: str
    chronox: float  # ms, or MB for memory
    baseline: float | None
    target: float | None

    def cells(self) -> list[str]:
        ratio = "" if self.baseline is None else f"{self.baseline / self.chronox:,.0f}x"
        base = "" if self.baseline is None else f"{self.baseline:,.1f}"
        target = "" if self.target is None else f"< {self.target:g}"
        return [self.what, f"{self.chronox:,.2f}", base, ratio, target]


@dataclass
class Results:
    rows: list[Row]
    failures: list[str]


def measure_big(bars: int, repeats: int, results: Results) -> None:
    xnys()
    view = new_chart()  # the empty app: Qt up, an empty chart painted
    view.grab()
    empty_rss = rss_bytes()
    series = synthetic_series(bars)
    view.set_axis(series.axis)
    view.set_bars(series.columns)
    n = len(series.axis)
    view.show_range(0, n)
    view.grab()
    held_mb = (rss_bytes() - empty_rss) / 2**20
    image = view.grab().toImage()
    for colour in (palette.UP, palette.DOWN):
        if colour_share(image, colour) < 1e-4:
            results.failures.append(f"whole range: no {colour} pixels drawn")

    def grab_after(move: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            move()
            view.grab()

        return run

    # chronox first, the baseline after: its million Python tuples and its picture
    # would otherwise slow chronox down (the collector walks the tuples).
    untouched = unchanged_copy(series)  # live bars change the series
    same = seconds(view.grab, repeats)
    zoomed = seconds(grab_after(Alternating(view.show_range, 0, n)), repeats)
    panned = seconds(grab_after(Panning(view.show_range, n // 2, WINDOW)), repeats)
    update, append = live_bar_ms(view, series, repeats)
    hole = fill_hole_ms(view, series, repeats)
    view.close()
    plot, _, recorded = baseline_plot(untouched)
    base_show = lambda a, b: plot.setXRange(a, b, padding=0)  # noqa: E731
    base_zoomed = seconds(lambda: (Alternating(base_show, 0, n)(), plot.grab()), 2)
    base_panned = seconds(lambda: (Panning(base_show, n // 2, WINDOW)(), plot.grab()), 2)
    if colour_share(plot.grab().toImage(), "#000000") > 0.999:  # only its background
        results.failures.append("the baseline drew nothing")
    base_live = recorded + base_panned  # the example records its picture again per change
    results.rows += [
        Row(
            f"whole range of {bars:,} bars: zoom there and repaint",
            zoomed * 1e3,
            base_zoomed * 1e3,
            20,
        ),
        Row(f"whole range of {bars:,} bars: repaint, same view", same * 1e3, None, None),
        Row(
            f"pan of a {WINDOW:,}-bar window, {bars:,} bars held",
            panned * 1e3,
            base_panned * 1e3,
            10,
        ),
        Row(f"live update of the last bar, {bars:,} bars held", update * 1e3, base_live * 1e3, 2),
        Row(
            f"live bar in the next slot (the view follows), {bars:,} bars held",
            append * 1e3,
            base_live * 1e3,
            None,
        ),
        Row(
            f"a bar filling a hole mid-history, {bars:,} bars held",
            hole * 1e3,
            base_live * 1e3,
            None,
        ),
        Row(f"memory of {bars:,} bars held (MB above the empty app)", held_mb, None, 150),
    ]
    plot.close()


def measure_small(bars: int, repeats: int, results: Results) -> None:
    series = synthetic_series(bars)
    view = new_chart()
    view.set_axis(series.axis)
    view.set_bars(series.columns)
    untouched = unchanged_copy(series)
    update, append = live_bar_ms(view, series, repeats)
    plot, item, _ = baseline_plot(untouched)
    last = float(series.slots[-1])
    plot.setXRange(last - WINDOW, last, padding=0)

    def base_live() -> None:
        item.generatePicture()
        item.update()
        plot.grab()

    base = seconds(base_live, 3)
    results.rows += [
        Row(f"live update of the last bar, {bars:,} bars held", update * 1e3, base * 1e3, 2),
        Row(
            f"live bar in the next slot (the view follows), {bars:,} bars held",
            append * 1e3,
            base * 1e3,
            None,
        ),
    ]
    results.failures += check_live_bar(view, series)
    results.failures += check_merged_columns(series)
    plot.close()
    view.close()


def measure_first_paint(bars: int, results: Results) -> None:
    """From the API's ``BarOut`` models (what a page of ``GET /bars`` parses into) to the
    chart's first paint, against the example recording its picture and painting it."""
    series = synthetic_series(bars)
    c = series.columns
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    models = [
        BarOut(
            start=epoch + timedelta(microseconds=start // 1_000),
            open=o,
            high=h,
            low=low,
            close=close,
            volume=v,
        )
        for start, o, h, low, close, v in zip(
            c.start_ns.tolist(),
            c.open.tolist(),
            c.high.tolist(),
            c.low.tolist(),
            c.close.tolist(),
            c.volume.tolist(),
            strict=True,
        )
    ]
    view = new_chart()
    started = time.perf_counter()
    columns = BarColumns.from_bars(models)
    view.set_axis(series.axis)
    view.set_bars(columns)
    view.grab()
    ours = time.perf_counter() - started
    if not np.array_equal(columns.start_ns, c.start_ns):
        results.failures.append("from_bars changed the bars' starts")
    started = time.perf_counter()
    plot, _, _ = baseline_plot(series)
    plot.grab()
    theirs = time.perf_counter() - started
    results.rows.append(
        Row(f"first paint of {bars:,} bars from BarOut models", ours * 1e3, theirs * 1e3, None)
    )
    plot.close()
    view.close()


def live_bar_ms(view: ChartView, series: Series, repeats: int) -> tuple[float, float]:
    """Median ms of (1) updating the last bar in place (what a live feed does many times
    a minute) and (2) a bar in the next slot, the view following it; each with Qt's
    repaint of what it invalidated (``processEvents``)."""
    last = int(series.slots[-1])
    view.show_range(last - WINDOW + 1, last + 1)
    QApplication.processEvents()
    price = float(series.columns.close[-1])
    start_of_last = int(series.axis.start_of([last])[0])
    ticks = iter(np.linspace(-1e-4, 1e-4, repeats) * price + price)

    def update() -> None:
        close = float(next(ticks))
        view.upsert_bar(
            start_of_last, price, max(price, close), min(price, close), close, 500.0, True
        )
        QApplication.processEvents()

    following = iter(range(last + 1, last + 1 + repeats))

    def append() -> None:
        start = int(series.axis.start_of([next(following)])[0])
        view.upsert_bar(start, price, price, price, price, 100.0, True)
        QApplication.processEvents()

    return seconds(update, repeats), seconds(append, min(repeats, ROOM // 2))


def fill_hole_ms(view: ChartView, series: Series, repeats: int) -> float:
    """Median ms of a bar arriving for a hole in the middle of the history (a backfill's
    bars over the WebSocket), with its repaint; the view is moved to each hole first,
    outside the clock."""
    middle = len(series.axis) // 2 // 997 * 997
    samples = []
    for slot in range(middle, middle + 997 * repeats, 997):
        view.show_range(slot - WINDOW // 2, slot + WINDOW // 2)
        QApplication.processEvents()
        price = float(series.columns.close[int(np.searchsorted(series.slots, slot))])
        start = int(series.axis.start_of([slot])[0])
        started = time.perf_counter()
        view.upsert_bar(start, price, price, price, price, 100.0)
        QApplication.processEvents()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def check_live_bar(view: ChartView, series: Series) -> list[str]:
    """A settled up bar put in a free slot shows in the up colour where it should."""
    slot = len(series.axis) - 2
    start = int(series.axis.start_of([slot])[0])
    price = float(series.columns.close[-1])
    view.show_range(slot - 60, slot + 2)
    view.upsert_bar(start, price, price * 1.02, price * 0.99, price * 1.015, 100.0)
    QApplication.processEvents()
    image = view.grab().toImage()
    drawn = image.pixelColor(view.price_point(slot, price * 1.01)).name()
    return [] if drawn == palette.UP else [f"the live bar was not drawn (found {drawn})"]


def check_merged_columns(series: Series) -> list[str]:
    """Merging per pixel column keeps the extremes of the bars it merges."""
    c = series.columns
    column = np.arange(len(c)) // 7
    merged = merge_per_column(column, c.open, c.high, c.low, c.close, c.volume, c.provisional)
    ok = (
        np.isclose(merged.high.max(), c.high.max())
        and np.isclose(merged.low.min(), c.low.min())
        and np.isclose(merged.volume.sum(), c.volume.sum())
    )
    return [] if ok else ["per-column merge lost the extremes or the volume"]


def markdown(rows: list[Row]) -> str:
    header = ["what", "chronox (ms)", "pyqtgraph example (ms)", "ratio", "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    results = Results([], [])
    big, small, year, repeats = (
        (20_000, 3_000, 3_000, 5) if args.quick else (1_000_000, 10_000, 98_280, 30)
    )
    measure_big(big, repeats, results)
    measure_small(small, repeats, results)
    measure_first_paint(year, results)
    print(
        f"{os.cpu_count()} cores, {WIDTH}x{HEIGHT} offscreen, Qt {qVersion()}, "
        f"pyqtgraph {pg.__version__}"
    )
    print(markdown(results.rows))
    for failure in results.failures:
        print(f"CHECK FAILED: {failure}")
    app.processEvents()
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
