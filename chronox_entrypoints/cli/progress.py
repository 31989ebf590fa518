"""Progress of long work as log lines, for runs nobody watches on a terminal.

The progress bar (:class:`chronox_entrypoints.cli.render.Progress`) shows only on a
terminal; under cron, systemd or a pipe, a five-year ingest would otherwise say nothing
for its whole run. There, each step is offered to a :class:`ProgressLog` too, which
writes one INFO line at most every few seconds, and one when a run finishes.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

log = logging.getLogger("chronox.progress")

Progress = Callable[[int, int], None]


class ProgressLog:
    """``label: 12/60 windows, 20%`` at INFO, at most every ``every`` seconds, and at
    the end of each run (a run restarts when ``done`` goes back: the next symbol's)."""

    def __init__(
        self, label: str, every: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._label = label
        self._every = every
        self._clock = clock
        self._done = 0
        self._said = clock()

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if done < self._done:  # the next run began
            self._said = now
        self._done = done
        if done < total and now - self._said < self._every:
            return
        self._said = now
        share = 100 * done // total if total else 100
        log.info("%s: %s/%s windows, %d%%", self._label, f"{done:,}", f"{total:,}", share)


def reported(progress: Progress, label: str, every: float) -> Progress:
    """``progress`` (the bar), and a :class:`ProgressLog` when stderr is no terminal."""
    if sys.stderr.isatty():
        return progress
    logged = ProgressLog(label, every)

    def both(done: int, total: int) -> None:
        progress(done, total)
        logged(done, total)

    return both
