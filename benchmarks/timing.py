"""What every benchmark shares: paired timings, medians of repeats, and the figures.

A figure is always a ratio of two things measured in the same run, on the same data, so
it says something on any machine; the absolute times beside it only say something on
the machine that produced them. The two sides are timed in alternation, one sample of
each per repeat, and the ratio is the median of the per-repeat ratios: a slow spell on
a shared machine then slows both sides of a pair rather than one side of the figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds per run, one sample per repeat."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def scaled(self, factor: float) -> Timing:
        return Timing(tuple(sample * factor for sample in self.samples))


@dataclass(frozen=True, slots=True)
class Comparison:
    """The baseline and chronox, sample ``i`` of each taken in the same repeat."""

    baseline: Timing
    chronox: Timing

    @property
    def slowdown(self) -> float:
        """chronox time / baseline time (median over repeats)."""
        pairs = zip(self.baseline.samples, self.chronox.samples, strict=True)
        return statistics.median(c / b for b, c in pairs)

    @property
    def speedup(self) -> float:
        """baseline time / chronox time (median over repeats)."""
        pairs = zip(self.baseline.samples, self.chronox.samples, strict=True)
        return statistics.median(b / c for b, c in pairs)


def stopwatch(run: Callable[[], object]) -> float:
    """Seconds ``run()`` takes, by ``time.perf_counter``."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def compare(
    baseline: Callable[[], object],
    chronox: Callable[[], object],
    repeats: int,
    min_sample: float = 0.02,
) -> Comparison:
    """``repeats`` samples of the time of one call of each, taken in alternation.

    Calls too short for one clock reading are timed in back-to-back loops, lengthened
    until a loop takes ``min_sample`` seconds (as ``timeit`` does); those calibration
    loops double as warm-up and are not counted.
    """
    loops = [_calibrated(run, min_sample) for run in (baseline, chronox)]
    samples: tuple[list[float], list[float]] = ([], [])
    for repeat in range(repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for side in order:
            run, number = loops[side]
            samples[side].append(stopwatch(run) / number)
    return Comparison(Timing(tuple(samples[0])), Timing(tuple(samples[1])))


def _calibrated(run: Callable[[], object], min_sample: float) -> tuple[Callable[[], None], int]:
    number = 1
    while stopwatch(partial(_loop, run, number)) < min_sample:
        number *= 2
    return partial(_loop, run, number), number


def _loop(run: Callable[[], object], number: int) -> None:
    for _ in range(number):
        run()


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of a benchmark's table."""

    benchmark: str
    what: str
    baseline: str
    chronox: str
    #: How many times: ``ratio_label`` says of what ("the raw time", "faster").
    ratio: float
    ratio_label: str
    target: str
    #: None when the figure has no target (reported for information).
    met: bool | None
    #: Raw numbers (seconds, counts) for ``--json``.
    data: dict[str, float] = field(default_factory=dict)


def seconds(value: float) -> str:
    """A duration with a unit a reader can take in at a glance."""
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} µs"


def rate(count: float, elapsed: float, unit: str) -> str:
    return f"{count / elapsed:,.0f} {unit}/s"
