"""The bars of an exposed area as pixel columns: one bar each, or merged when crowded.

Zoomed out so far that a slot is narrower than a few pixels, the bars of each pixel
column merge into one (first open, highest high, lowest low, last close, summed volume,
provisional if any is). The columns' first slots are found by binary search, so the
cost is O(pixel columns · log bars) plus one ``reduceat`` pass over the bars shown, and
the result is kept for the next paint of the same view (the volume plot's, a crosshair
move, the y-range fit before them) until the bars or the view change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF

from chronox_entrypoints.gui.chart.painting import DeviceMap
from chronox_entrypoints.gui.chart.series import PlacedBars

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Below this many pixels per slot, candles become one-pixel columns without bodies.
BODY_MIN_PX = 3.0
#: Columns merged beyond those asked for, so that the next paint's slightly wider
#: exposure (a clip rounded out) still finds them.
_SPARE_PX = 4


@dataclass(frozen=True, slots=True)
class PixelBars:
    """Bars to draw; ``x`` is each one's pixel column (device pixels, left edge)."""

    x: FloatArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    provisional: BoolArray
    merged: bool

    @property
    def up(self) -> BoolArray:
        return self.close >= self.open

    def where(self, keep: BoolArray) -> PixelBars:
        """The bars ``keep`` selects."""
        return PixelBars(
            self.x[keep],
            self.open[keep],
            self.high[keep],
            self.low[keep],
            self.close[keep],
            self.volume[keep],
            self.provisional[keep],
            self.merged,
        )


def pixel_bars(bars: PlacedBars, device: DeviceMap, exposed: QRectF) -> PixelBars:
    """The bars under ``exposed`` (data coordinates), widened to whole pixel columns so
    that a column cut by the exposed edge still merges all of its bars."""
    px_lo = math.floor(float(device.x(exposed.left()))) - 1
    px_hi = math.ceil(float(device.x(exposed.right()))) + 1
    first, last = (
        float(s) for s in ((px_lo - device.dx) / device.sx, (px_hi + 1 - device.dx) / device.sx)
    )
    if device.sx >= BODY_MIN_PX:
        return _one_per_slot(bars, device, first - 1.0, last + 1.0)
    # The price and volume plots share x, up to the last bit of their transforms; the
    # paints and the y-range fit of one view ask for about the same columns.
    key = (float(f"{device.sx:.12g}"), round(device.dx, 6))
    kept = bars.recall(key)
    if isinstance(kept, _Kept) and kept.px_lo <= px_lo and px_hi <= kept.px_hi:
        return kept.bars
    px_lo, px_hi = px_lo - _SPARE_PX, px_hi + _SPARE_PX
    merged = _merged(bars, device, px_lo, px_hi)
    bars.remember(key, _Kept(px_lo, px_hi, merged))
    return merged


@dataclass(frozen=True, slots=True)
class _Kept:
    """Merged columns ``[px_lo, px_hi]`` of one view."""

    px_lo: int
    px_hi: int
    bars: PixelBars


def _one_per_slot(bars: PlacedBars, device: DeviceMap, first: float, last: float) -> PixelBars:
    i, j = bars.visible(first, last)
    keep = _shown(bars, i, j)
    c = bars.columns
    slots = bars.slots[i:j][keep]
    o, h, low, close, v = (a[i:j][keep] for a in (c.open, c.high, c.low, c.close, c.volume))
    flags = c.provisional[i:j][keep]
    return PixelBars(np.floor(device.x(slots)), o, h, low, close, v, flags, merged=False)


def _merged(bars: PlacedBars, device: DeviceMap, px_lo: int, px_hi: int) -> PixelBars:
    if not bars.all_inside:  # some bars lie outside every session: drop them first
        i, j = bars.visible(*((x - device.dx) / device.sx for x in (px_lo, px_hi + 1)))
        keep = _shown(bars, i, j)
        c = bars.columns
        column = np.floor(device.x(bars.slots[i:j][keep])).astype(np.int64)
        o, h, low, close, v = (a[i:j][keep] for a in (c.open, c.high, c.low, c.close, c.volume))
        return merge_per_column(column, o, h, low, close, v, c.provisional[i:j][keep])
    columns = np.arange(px_lo, px_hi + 2, dtype=np.float64)
    first_slots = np.ceil((columns - device.dx) / device.sx).astype(np.int64)
    bounds = np.searchsorted(bars.slots, first_slots)
    filled = bounds[1:] > bounds[:-1]
    lo, hi = int(bounds[0]), int(bounds[-1])
    starts, ends = bounds[:-1][filled], bounds[1:][filled]
    c = bars.columns
    offsets = starts - lo
    return PixelBars(
        x=columns[:-1][filled],
        open=c.open[starts],
        high=np.maximum.reduceat(c.high[lo:hi], offsets) if hi > lo else np.zeros(0),
        low=np.minimum.reduceat(c.low[lo:hi], offsets) if hi > lo else np.zeros(0),
        close=c.close[ends - 1],
        volume=np.add.reduceat(c.volume[lo:hi], offsets) if hi > lo else np.zeros(0),
        provisional=(
            np.logical_or.reduceat(c.provisional[lo:hi], offsets) if hi > lo else np.zeros(0, bool)
        ),
        merged=True,
    )


def merge_per_column(
    column: npt.NDArray[np.int64],
    open: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    provisional: BoolArray,
) -> PixelBars:
    """One bar per run of equal ``column`` (sorted)."""
    if column.shape[0] == 0:
        empty = np.zeros(0)
        return PixelBars(empty, empty, empty, empty, empty, empty, np.zeros(0, bool), True)
    starts = np.flatnonzero(np.diff(column, prepend=column[0] - 1))
    ends = np.append(starts[1:], column.shape[0]) - 1
    return PixelBars(
        x=column[starts].astype(np.float64),
        open=open[starts],
        high=np.maximum.reduceat(high, starts),
        low=np.minimum.reduceat(low, starts),
        close=close[ends],
        volume=np.add.reduceat(volume, starts),
        provisional=np.logical_or.reduceat(provisional, starts),
        merged=True,
    )


def _shown(bars: PlacedBars, i: int, j: int) -> slice | BoolArray:
    """Which of bars ``[i, j)`` to draw: those inside a session."""
    return slice(None) if bars.all_inside else bars.inside[i:j]
