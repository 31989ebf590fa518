"""What the monitor does, on the qasync event loop: presenters called in worker threads
(``asyncio.to_thread``: the client blocks), their answers drawn by the window's views.

Every action goes through :meth:`MonitorController._guarded`: a ``ChronoxError`` is one
line in the status bar, a 401 asks for a token, anything else is one line naming an
internal error; never a traceback. Polling keeps the panels current (status every 2 s,
jobs every second, symbols every 15 s); a status that comes back after "disconnected"
reloads the newest bars and the ribbon, in case the server had nothing to replay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import ChronoxError, Unauthorized
from chronox_entrypoints.gui import chart_bridge
from chronox_entrypoints.gui.live import LiveFeed
from chronox_entrypoints.gui.presenters import (
    ChartPresenter,
    CoveragePresenter,
    JobsPresenter,
    StatusPresenter,
    SymbolsPresenter,
)
from chronox_entrypoints.gui.presenters import bars as blocks
from chronox_entrypoints.gui.presenters.bars import Block
from chronox_entrypoints.gui.presenters.chart import SlotRequest, shown_dates
from chronox_entrypoints.gui.views import dialogs
from chronox_entrypoints.gui.views.errors import one_line
from chronox_entrypoints.gui.window import MonitorWindow
from chronox_presentation import BarEventOut

T = TypeVar("T")
log = logging.getLogger(__name__)

STATUS_SECONDS, JOBS_SECONDS, SYMBOLS_SECONDS = 2.0, 1.0, 15.0
#: Scrolled this close to the oldest bar held, the older chunks are asked for.
HISTORY_MARGIN_SLOTS = 400


@dataclass
class ChartChoice:
    """What to show: the symbol, its timeframe, session kind and price basis, and the
    range."""

    symbols: tuple[str, ...] = ()
    timeframe: str = "1m"
    session: str = "rth"
    start: date | datetime | None = None
    end: date | datetime | None = None
    adjust: str = "splits"
    symbol: str | None = field(default=None)


class MonitorController:
    """``interactive=False`` (a screenshot) never opens a dialog: nobody is there to
    answer it, and offscreen it would wait for ever."""

    def __init__(
        self,
        config: ChronoxApiConfig,
        window: MonitorWindow,
        choice: ChartChoice,
        *,
        interactive: bool = True,
    ) -> None:
        self.config = config
        self.interactive = interactive
        self.client = ChronoxClient(config)
        self.window = window
        self.choice = choice
        self.status = StatusPresenter(self.client)
        self.jobs = JobsPresenter(self.client)
        self.symbols = SymbolsPresenter(self.client)
        self.chart: ChartPresenter | None = None
        self.coverage: CoveragePresenter | None = None
        self.live = LiveFeed(self.client)
        self._tasks: list[asyncio.Task[Any]] = []
        self._history: asyncio.Task[None] | None = None
        self._selection: tuple[datetime, datetime] | None = None
        self._was_connected = True
        self._asking_token = False
        #: The user cancelled the token dialog: the polling asks no more (Ctrl+T does).
        self._token_declined = False
        self._finished_jobs: set[str] | None = None
        self._connect()

    # -- start and stop

    async def start(self, *, background: bool = True, live: bool = True) -> None:
        """Status, the registry, the chart's first page, its ribbon and the jobs; the
        live feed; with ``background``, polling and the older bars."""
        await self._guarded(self.refresh_status)
        await self._guarded(self._refresh_symbols_now)
        symbol = self.choice.symbol or next(iter(self.choice.symbols), None)
        if symbol is None and self.symbols.rows:
            symbol = self.symbols.rows[0].symbol
        if symbol is None:
            self.window.status.error("no symbol to show: add one in the symbols panel")
        else:
            await self.open_symbol(symbol, history=background)
        await self._guarded(self.refresh_jobs)
        if live:
            self._start_live()
            await self._guarded(self.refresh_status)  # now with the feed's state
        if background:
            for every, action in (
                (STATUS_SECONDS, self.refresh_status),
                (JOBS_SECONDS, self.refresh_jobs),
                (SYMBOLS_SECONDS, self._refresh_symbols_now),
            ):
                self._tasks.append(asyncio.ensure_future(self._every(every, action)))

    async def load_everything(self) -> None:
        """The rest of the chart's range, chunk after chunk (what a screenshot waits for)."""
        if self.chart is not None:
            while await self._guarded(self._load_older_chunk):
                pass

    async def close(self) -> None:
        for task in [*self._tasks, self._history]:
            if task is not None:
                task.cancel()
        for task in [*self._tasks, self._history]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.live.close()
        self.client.close()

    # -- the chart

    async def open_symbol(self, symbol: str, *, history: bool = True) -> None:
        if self._history is not None:
            self._history.cancel()
        self.choice.symbol = symbol
        self.chart = ChartPresenter(
            self.client,
            symbol,
            self.choice.timeframe,
            self.choice.session,
            self.choice.start,
            self.choice.end,
            adjust=self.choice.adjust,
        )
        self.coverage = CoveragePresenter(
            self.client, symbol, self.choice.timeframe, self.choice.session
        )
        self.window.title.setText(self.chart.title)
        self.window.show_timeframe(self.choice.timeframe)
        self.window.show_basis(self.choice.adjust)
        self.window.show_selection("")
        self._selection = None
        first = await self._guarded(self.chart.open)
        if first is None:
            return
        self._draw_chart()
        await self._guarded(self.refresh_coverage)
        self.window.symbols.show_rows(self.symbols.rows, current=symbol)
        if self.live.running:
            self._start_live()
        if history:
            self._history = asyncio.ensure_future(self._load_history())

    async def switch_timeframe(self, timeframe: str) -> None:
        if timeframe == self.choice.timeframe or self.chart is None:
            return
        self.choice.timeframe = timeframe
        await self.open_symbol(self.chart.symbol)

    async def switch_basis(self, adjust: str) -> None:
        """Read the chart again on the price basis ``adjust``, and replay on it."""
        if adjust == self.choice.adjust or self.chart is None:
            return
        self.choice.adjust = adjust
        await self.open_symbol(self.chart.symbol)

    async def step_symbol(self, step: int) -> None:
        names = [row.symbol for row in self.symbols.rows]
        if not names:
            return
        current = self.chart.symbol if self.chart else None
        at = names.index(current) if current in names else -1
        await self.open_symbol(names[(at + step) % len(names)])

    def _draw_chart(self) -> None:
        chart = self.chart
        assert chart is not None
        view = self.window.chart
        view.set_axis(chart_bridge.axis_of(chart.sessions, chart.timeframe))
        view.set_bars(chart_bridge.columns_of(chart.bars))
        slots = len(view.axis)
        if slots:
            view.show_range(max(0, slots - 400), slots)

    def show_whole_range(self) -> None:
        slots = len(self.window.chart.axis)
        if slots:
            self.window.chart.show_range(0, slots)

    def range_shown(self, first_slot: int, last_slot: int) -> None:
        """The user scrolled: near the oldest bars held, make sure the older chunks are
        coming (the background loader stops at an error; this starts it again)."""
        chart = self.chart
        if chart is None or chart.fully_loaded:
            return
        if self._history is not None and not self._history.done():
            return
        loaded_from = chart.loaded_from
        axis = self.window.chart.axis
        oldest = next((i for i, day in enumerate(axis.sessions) if day.date == loaded_from), 0)
        if first_slot <= int(axis.session_starts[oldest]) + HISTORY_MARGIN_SLOTS:
            self._history = asyncio.ensure_future(self._load_history())

    async def _load_history(self) -> None:
        while await self._guarded(self._load_older_chunk):
            await asyncio.sleep(0)  # let a paint and the user's input through

    async def _load_older_chunk(self) -> bool:
        chart = self.chart
        if chart is None:
            return False
        block = await asyncio.to_thread(chart.load_older)
        if block is None or chart is not self.chart:
            return False
        if blocks.length(block):
            self.window.chart.columns.merge(chart_bridge.columns_of(block))
            self.window.chart.bars_changed()
        return True

    async def refresh_coverage(self) -> None:
        chart, coverage = self.chart, self.coverage
        if chart is None or coverage is None:
            return
        segments = await asyncio.to_thread(coverage.load, chart.sessions)
        self.window.chart.set_coverage(chart_bridge.segments_on(self.window.chart.axis, segments))
        spans = coverage.provisional()
        if spans:
            chart.mark_provisional(spans)
            self.window.chart.set_bars(chart_bridge.columns_of(chart.bars))

    # -- selection and backfill

    def range_selected(self, start: datetime, end: datetime) -> None:
        self._selection = (start, end)
        self.window.show_selection(f"selected {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")

    async def backfill_selection(self) -> None:
        if self._selection is None or self.coverage is None:
            self.window.status.note("select a range on the ribbon first (click a gap, or drag)")
            return
        start, end = self._selection
        jobs = await self._guarded(self.coverage.backfill, start, end)
        if jobs:
            self.window.status.note(f"backfill queued: job {jobs[0].id[:8]}")
            await self._guarded(self.refresh_jobs)
            self.window.jobs.select_job(jobs[0].id)

    async def cancel_job(self, job_id: str) -> None:
        row = await self._guarded(self.jobs.cancel, job_id)
        if row is not None:
            self.window.status.note(f"job {job_id[:8]}: {row.state}")
        await self._guarded(self.refresh_jobs)

    # -- live bars

    def _start_live(self) -> None:
        if self.chart is not None:
            self.live.start([self.chart.symbol], "1m", self.chart.adjust)

    def bar_arrived(self, event: BarEventOut) -> None:
        self.status.bar_arrived()
        chart = self.chart
        if chart is None:
            return
        placed = chart.live(event)
        if isinstance(placed, SlotRequest):
            self._spawn(self._guarded(self._reread, chart, placed))
        elif placed is not None:
            self._upsert(placed)

    async def _reread(self, chart: ChartPresenter, slot: SlotRequest) -> None:
        block = await asyncio.to_thread(chart.reread, slot)
        if chart is self.chart:
            self._upsert(block)

    def _upsert(self, block: Block) -> None:
        view = self.window.chart
        for i in range(blocks.length(block)):
            view.upsert_bar(*(block[name][i].item() for name in blocks.FIELDS))

    # -- panels

    async def refresh_status(self) -> None:
        self.status.feed_state(self.live.running)
        report = await asyncio.to_thread(self.status.refresh)
        self.window.status.show_report(report)
        self.window.banner.show_report(report)
        connected = report.api == "connected"
        if connected and not self._was_connected:
            await self._caught_up()
        self._was_connected = connected
        if report.api == "unauthorized":
            await self.ask_token(report.problem)

    async def _caught_up(self) -> None:
        """Back after "disconnected": what the server stored meanwhile, from REST."""
        chart = self.chart
        if chart is None:
            return
        block = await asyncio.to_thread(chart.reload_newest)
        if chart is self.chart and blocks.length(block):
            self.window.chart.columns.merge(chart_bridge.columns_of(block))
            self.window.chart.bars_changed()
        await self.refresh_coverage()

    async def refresh_jobs(self) -> None:
        first_look = self._finished_jobs is None
        rows = await asyncio.to_thread(self.jobs.refresh)
        self.window.jobs.show_rows(rows)
        finished = {row.id for row in rows if not row.cancellable}
        # A job that finished since the last look (however fast) changed the ledger.
        if not first_look and finished - (self._finished_jobs or set()):
            await self.refresh_coverage()
        self._finished_jobs = finished

    async def _refresh_symbols_now(self) -> None:
        choice = self.choice
        # The chart's own range, so that each % is of what the chart shows.
        first, last = shown_dates(choice.timeframe, choice.start, choice.end)
        watched = [*choice.symbols, *([choice.symbol] if choice.symbol else [])]
        rows = await asyncio.to_thread(
            self.symbols.refresh, choice.timeframe, first, last, watched, choice.session
        )
        self.window.symbols.show_rows(rows, current=choice.symbol)

    async def add_symbol(self, symbol: str) -> None:
        name = await self._guarded(
            self.symbols.add, symbol, (self.choice.timeframe,), self.choice.session
        )
        if name:
            self.window.status.note(f"{name} added to the registry")
            await self._guarded(self._refresh_symbols_now)

    async def remove_symbol(self, symbol: str) -> None:
        question = f"Remove {symbol} from the registry?"
        if not await dialogs.confirm(self.window, "Remove symbol", question):
            return
        await self._guarded(self.symbols.remove, symbol)
        await self._guarded(self._refresh_symbols_now)

    # -- the token

    async def ask_token(
        self, reason: str = "The API needs a token.", *, asked_by_user: bool = False
    ) -> bool:
        """Ask the user for the API's token and use it; whether they gave one. Once
        they cancel, a refusal asks no more (with the status polling, a dialog every
        2 s); the status bar says how to give one."""
        if self._asking_token or not self.interactive:
            return False
        if self._token_declined and not asked_by_user:
            self.window.status.error(f"{reason} (Ctrl+T to enter the token)")
            return False
        self._asking_token = True
        try:
            token = await dialogs.ask_token(self.window, reason)
        finally:
            self._asking_token = False
        self._token_declined = token is None
        if token is None:
            self.window.status.error(f"{reason} (Ctrl+T to enter the token)")
            return False
        await self.use_token(token)
        return True

    async def use_token(self, token: str) -> None:
        """Talk to the API with ``token`` from now on (every presenter and the feed)."""
        old = self.client
        # Everything else as it was (timeouts, the total deadline, reconnects).
        self.config = replace(self.config, token=token)
        self.client = ChronoxClient(self.config)
        for presenter in (
            self.status,
            self.jobs,
            self.symbols,
            self.chart,
            self.coverage,
            self.live,
        ):
            if presenter is not None:
                presenter.client = self.client
        old.close()
        self._start_live()  # also when the feed had stopped at the missing token
        await self._guarded(self.refresh_status)

    # -- plumbing

    def _connect(self) -> None:
        window = self.window
        window.timeframeChosen.connect(lambda tf: self._spawn(self.switch_timeframe(tf)))
        window.basisChosen.connect(lambda basis: self._spawn(self.switch_basis(basis)))
        window.symbolStep.connect(lambda step: self._spawn(self.step_symbol(step)))
        window.backfillAsked.connect(lambda: self._spawn(self.backfill_selection()))
        window.reloadAsked.connect(lambda: self._spawn(self._reload()))
        window.tokenAsked.connect(
            lambda: self._spawn(self.ask_token("Enter the API's token.", asked_by_user=True))
        )
        window.chart.rangeSelected.connect(self.range_selected)
        window.chart.visibleRangeChanged.connect(self.range_shown)
        window.jobs.cancelRequested.connect(lambda job: self._spawn(self.cancel_job(job)))
        window.symbols.addRequested.connect(lambda s: self._spawn(self.add_symbol(s)))
        window.symbols.removeRequested.connect(lambda s: self._spawn(self.remove_symbol(s)))
        window.symbols.symbolChosen.connect(lambda s: self._spawn(self.open_symbol(s)))
        self.live.barArrived.connect(self.bar_arrived)
        self.live.failed.connect(self._live_failed)
        self.live.basisChanged.connect(self._basis_changed)

    def _live_failed(self, line: str) -> None:
        self.window.status.error(f"live bars: {line}")

    def _basis_changed(self, line: str) -> None:
        """A split or an ex-date took effect: the bars held are stale, read them again
        (which subscribes anew)."""
        self.window.status.note(f"live bars: {line}")
        if self.chart is not None:
            self._spawn(self.open_symbol(self.chart.symbol))

    async def _reload(self) -> None:
        if self.chart is not None:
            await self.open_symbol(self.chart.symbol)
        await self._guarded(self.refresh_jobs)
        await self._guarded(self._refresh_symbols_now)

    def _spawn(self, work: Awaitable[Any]) -> None:
        self._tasks.append(asyncio.ensure_future(work))
        self._tasks = [task for task in self._tasks if not task.done()]

    async def _every(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self._guarded(action)

    async def _guarded(self, action: Callable[..., Any], *args: Any, retried: bool = False) -> Any:
        """Run ``action`` (a coroutine function, or a blocking one in a worker thread);
        show what goes wrong in one line and answer None. A 401 asks for the token and,
        given one, runs the action once more."""
        try:
            if asyncio.iscoroutinefunction(action):
                return await action(*args)
            return await asyncio.to_thread(action, *args)
        except asyncio.CancelledError:
            raise
        except Unauthorized as error:
            self.window.status.error(one_line(error))
            if await self.ask_token(one_line(error)) and not retried:
                return await self._guarded(action, *args, retried=True)
        except ChronoxError as error:
            self.window.status.error(one_line(error))
        except Exception as error:  # a bug: one line for the user, the trace in the log
            log.debug("monitor action failed", exc_info=True)
            self.window.status.error(one_line(error))
        return None
