"""Progress of long work: a bar on a terminal, and where nobody watches one (cron,
systemd, a pipe) an INFO line at most every few seconds, and one at its end. Work that
shows no bar (a worker's jobs, the daemon's passes) logs its lines on a terminal too.

One :class:`Progress` serves every long command: ingest and backfill (vendor requests),
export (partitions), a worker's jobs and the daemon's backfill passes. The work calls
:meth:`Progress.step` after each unit with how many are done and planned, and hands it
what that unit counted (:meth:`Progress.counted`, an ingest's per-request report) or the
counts so far (:meth:`Progress.counts_so_far`, a job's): per unit, never per bar.

A *run* is one sequence of steps from 1 to its total; a backfill makes one per symbol
and timeframe (a *part*). Counts are the whole command's so far; the fraction, the
share and the time left are the part's. A command of several parts ends on a ``done``
line of its totals, so that its last line always states what it did.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from chronox_domain.services.ingestion import IngestReport

log = logging.getLogger("chronox.progress")

#: The counters a line names, in order, with their words; the ``False`` ones only when
#: not zero (a rejection or a refusal is news, their absence is not).
_SAID: tuple[tuple[str, str, bool], ...] = (
    ("windows_fetched", "windows", True),
    ("partitions_written", "written", True),
    ("bars_written", "bars written", True),
    ("bars_rejected", "rejected", False),
    ("windows_refused", "refused", False),
    # A corporate actions sync's, per symbol (SYNC_COUNTERS).
    ("symbols_fetched", "fetched", True),
    ("symbols_fresh", "fresh", True),
    ("symbols_unknown", "unknown", False),
    ("symbols_failed", "failed", False),
)

#: What an ingest counts (every counter of its report, zero until a request says more).
INGEST_COUNTERS = IngestReport.counter_names()


class Progress:
    """The progress of one command, called back by its work (see the module)."""

    def __init__(
        self,
        label: str,
        unit: str,
        every: float,
        *,
        counters: Iterable[str] = INGEST_COUNTERS,
        parts: bool = False,
        bar: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``label`` starts each line; ``unit`` names what is stepped through
        (requests, partitions); ``parts``: the work makes several runs, each line
        names its part and the last one states the totals; ``bar``: the label of a
        bar shown instead of the lines when stderr is a terminal."""
        self._label = label
        self._unit = unit
        self._every = every
        self._parts = parts
        self._clock = clock
        self._counts = dict.fromkeys(counters, 0)
        self._bar = _Bar(bar) if bar is not None and sys.stderr.isatty() else None
        self._runs = 0
        self._units = 0  # steps of every run so far
        self._done = 0
        self._total = 0
        self._stepped_at = self._said_at = self._run_started = clock()
        self._unsaid = True  # something happened since the last line

    def counted(self, part: IngestReport) -> None:
        """The ingestion service's ``counted`` hook: one request's own report."""
        self.add(part.counters())

    def add(self, counts: Mapping[str, int]) -> None:
        """What the unit in hand counted, added to the counts so far."""
        for name, value in counts.items():
            self._counts[name] = self._counts.get(name, 0) + value
        self._unsaid = True

    def counts_so_far(self, counts: Mapping[str, int]) -> None:
        """The counts so far, as the work keeps them itself (a job's)."""
        self._counts.update(counts)
        self._unsaid = True

    def step(self, done: int, total: int) -> None:
        """``done`` of ``total`` units of the run; a ``done`` that does not move on
        from the last one (or another total) begins the next run."""
        now = self._clock()
        if done <= self._done or total != self._total:
            self._runs += 1
            self._run_started = self._stepped_at
            self._done = 0
        self._units += done - self._done
        self._done, self._total, self._stepped_at = done, total, now
        self._unsaid = True
        if self._bar is not None:
            self._bar.show(done, total, self._counts_text())
        elif now - self._said_at >= self._every or (done >= total and not self._parts):
            # The end of a part is not news: work of many small parts would say one
            # line per part, and its ``done`` line says the totals at the end.
            self._say(self._step_text(now))

    __call__ = step  # what the services' ``progress`` parameters call

    def finish(self, completed: bool = True) -> None:
        """The end of the work: the bar closed, or the line of its totals, for work of
        several parts or when no line said the last of it. Work that failed ends on
        its error instead (``completed`` False)."""
        if self._bar is not None:
            self._bar.close()
        elif completed and (self._parts or self._unsaid):
            units = _count(self._units, self._unit)
            self._say(f"{self._label}: done, {units}, {self._counts_text()}")

    def _say(self, line: str) -> None:
        log.info("%s", line)
        self._said_at = self._clock()
        self._unsaid = False

    def _step_text(self, now: float) -> str:
        done, total = self._done, self._total
        part = f" (part {self._runs})" if self._parts else ""
        share = 100 * done // total if total else 100
        line = f"{self._label}: {done:,}/{total:,} {self._unit}{part}, {self._counts_text()}"
        line += f", {share}%"
        if 0 < done < total:
            left = (now - self._run_started) * (total - done) / done
            line += f", about {_duration(left)} left"
        return line

    def _counts_text(self) -> str:
        return ", ".join(
            _count(self._counts[name], words)
            for name, words, zero_said in _SAID
            if name in self._counts and (zero_said or self._counts[name])
        )


@contextmanager
def progress_of(
    label: str,
    unit: str,
    every: float,
    *,
    counters: Iterable[str] = INGEST_COUNTERS,
    parts: bool = False,
    bar: str | None = None,
) -> Iterator[Progress]:
    """A :class:`Progress` for the work of the block, finished when the block ends
    (the arguments are the class's)."""
    progress = Progress(label, unit, every, counters=counters, parts=parts, bar=bar)
    try:
        yield progress
    except BaseException:
        progress.finish(completed=False)
        raise
    progress.finish()


class _Bar:
    """A bar on stderr, with the counts so far beside it; one per run."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None
        self._done = 0

    def show(self, done: int, total: int, counts: str) -> None:
        if total < 2:
            return
        if self._bar is not None and done < self._done:  # the next run began
            self.close()
        if self._bar is None:
            self._done = 0
            self._bar = click.progressbar(
                length=total, label=self._label, file=sys.stderr, item_show_func=_shown
            )
            self._bar.__enter__()
        self._bar.update(done - self._done, counts)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _shown(counts: str | None) -> str | None:
    return counts


def _count(number: int, words: str) -> str:
    """``1 bar written``, ``1,234 bars written``."""
    noun, _, rest = words.partition(" ")
    if number == 1 and noun.endswith("s"):
        noun = noun[:-1]
    return f"{number:,} {noun}{' ' if rest else ''}{rest}"


def _duration(seconds: float) -> str:
    """``45s``, ``1m30s``, ``2h05m``: as precise as the estimate deserves."""
    whole = max(round(seconds), 1)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
