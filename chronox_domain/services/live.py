"""The unified daemon: live bars as they form, plus the backfill that keeps them honest.

* live: each bar from the live source is stored as provisional, with provisional
  coverage for its minute, and published;
* periodic backfill: every ``backfill_every`` the registry's gaps are closed. That one
  pass also fills the hole a disconnect left (those minutes have no coverage) and
  reconciles live bars once they are older than the settle delay (provisional coverage
  is a gap again by then, and the settled bars replace the provisional ones);
* after the live source reconnects, a backfill runs at once instead of waiting.

Stopping (``stop`` set: SIGTERM, Ctrl-C) lets the batch in flight finish: every write
is one transaction, so nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from chronox_domain.bar import Bar, split_valid
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.interval import Interval
from chronox_domain.ports import (
    Clock,
    EventPublisher,
    LiveBarSource,
    MarketDataRepository,
    SymbolRegistry,
)
from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DaemonReport:
    live_bars: int = 0
    live_rejected: int = 0
    backfills: int = 0
    backfilled_bars: int = 0
    errors: list[str] = field(default_factory=list)


class UnifiedDaemon:
    def __init__(
        self,
        registry: SymbolRegistry,
        repository: MarketDataRepository,
        live: LiveBarSource,
        backfill: BackfillOrchestrator,
        publisher: EventPublisher | None,
        clock: Clock,
        backfill_every: timedelta = timedelta(minutes=5),
        lookback: timedelta = timedelta(days=7),
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self._registry = registry
        self._repository = repository
        self._live = live
        self._orchestrator = backfill
        self._publisher = publisher
        self._clock = clock
        self._every = backfill_every
        self._lookback = lookback
        self._say = on_event or (lambda text: None)
        self.report = DaemonReport()
        #: Set once :meth:`run` is under way: the first backfill pass has started and the
        #: live feed (if any) has been opened for :attr:`subscriptions`. Wait on it rather
        #: than for a guessed while.
        self.ready = asyncio.Event()
        #: The symbols the running live feed was opened for (empty: no live feed).
        self.subscriptions: tuple[str, ...] = ()
        self._backfill_now = asyncio.Event()

    def symbols(self) -> list[str]:
        """Active registry symbols that keep 1m bars: the live feed's subscriptions."""
        return [
            entry.symbol
            for entry in self._registry.entries(active_only=True)
            if Timeframe.M1 in entry.timeframes
        ]

    async def run(self, stop: asyncio.Event, live: bool = True) -> DaemonReport:
        """Until ``stop``: periodic backfill, and the live feed unless ``live`` is False."""
        self.ready.clear()
        symbols = self.symbols() if live else []
        self.subscriptions = tuple(symbols)
        tasks = [asyncio.create_task(self._backfill_loop(stop))]
        if symbols:
            tasks.append(asyncio.create_task(self._live_loop(symbols, stop)))
        elif live:
            self._say("no active 1m registry symbol: live feed idle, backfill only")
        stopper = asyncio.create_task(stop.wait())
        try:
            await self._started(tasks)
            done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopper and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in [stopper, *tasks]:
                task.cancel()
            await asyncio.gather(stopper, *tasks, return_exceptions=True)
        return self.report

    async def _started(self, tasks: list[asyncio.Task[None]]) -> None:
        """Sets ``ready`` once each task has taken its first step, unless one ended.

        One turn of the event loop runs each new task up to its first wait: the live
        source's stream runs until it waits on the vendor (its subscriptions on their
        way) or on the next minute, and the backfill loop schedules its first pass,
        which is in its thread before anyone waiting on ``ready`` wakes.
        """
        await asyncio.sleep(0)
        if not any(task.done() for task in tasks):
            self.ready.set()

    async def _live_loop(self, symbols: Sequence[str], stop: asyncio.Event) -> None:
        reconnects = self._live.reconnects
        async for bar in self._live.stream(symbols, Timeframe.M1):
            # A write is a short, whole transaction: run it off the event loop and let
            # it finish even if stop arrives meanwhile.
            await asyncio.shield(asyncio.to_thread(self._store_live, bar))
            now_reconnects = self._live.reconnects
            if now_reconnects != reconnects:
                reconnects = now_reconnects
                self._say("live feed reconnected: backfilling the hole it left")
                self._backfill_now.set()
            if stop.is_set():
                return

    def _store_live(self, bar: Bar) -> None:
        valid, rejected = split_valid([bar])
        self.report.live_rejected += len(rejected)
        if not valid:
            return
        minute = Interval(bar.start, bar.start + Timeframe.M1.step)
        batch = BarBatch(
            symbol=bar.symbol,
            timeframe=Timeframe.M1,
            bars=valid,
            source=self._live.name,
            provisional_from=bar.start,
            coverage=(CoverageSpan(minute, CoverageStatus.PROVISIONAL, self._live.name),),
        )
        self._repository.write(batch)
        self.report.live_bars += 1
        if self._publisher is not None:
            self._publisher.publish(batch)

    async def _backfill_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                result = await asyncio.shield(asyncio.to_thread(self._backfill))
                self.report.backfills += 1
                self.report.backfilled_bars += result.total.bars_written
                self._say(
                    f"backfill: {result.total.bars_written} bars, "
                    f"{result.total.windows_fetched} windows, {result.total.requests} requests"
                )
            except Exception as exc:  # the daemon outlives a failed pass; the next retries
                message = f"backfill failed: {exc}"
                self.report.errors.append(message)
                log.warning(message)
            self._backfill_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._backfill_now.wait(), self._every.total_seconds())

    def _backfill(self) -> BackfillReport:
        """Every session of the lookback up to now: holes, unsettled and stale windows."""
        start = (self._clock.now() - self._lookback).date()
        return self._orchestrator.run((), start, None)
