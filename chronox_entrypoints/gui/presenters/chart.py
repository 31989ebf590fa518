"""The chart of one symbol: its sessions and bars, loaded newest first.

Opening a chart fetches the sessions of the whole range (the slot axis lays them out)
and the bars of the last few sessions: what the view shows at first, plus a margin,
so the first paint waits for one small page. The older bars follow in chunks of
sessions, newest to oldest (:meth:`ChartPresenter.load_older`), in the background or as
the user scrolls back. A timeframe the store never fetched is rolled up by the API.
Live bars are merged into their slot (a correction replaces the bar in place).

Every read names the chart's price basis (``adjust``: ``none``, ``splits`` by default,
or ``all``), and so does its title; switching the basis reads the bars again."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.actions import PriceBasis
from chronox_domain.interval import Interval
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.presenters import bars
from chronox_entrypoints.gui.presenters.bars import Block
from chronox_presentation import BarEventOut, SessionOut

#: Sessions loaded first, per timeframe: a screenful of candles and a margin.
FIRST_SESSIONS = {"1m": 3, "5m": 10, "15m": 25, "1h": 60, "1d": 400}
#: Sessions per background chunk (read in pages of PAGE_BARS: a worker thread holds the
#: GIL while it parses one, so a smaller page is a shorter pause of the window).
CHUNK_SESSIONS = {"1m": 60, "5m": 250, "15m": 700, "1h": 2_500, "1d": 15_000}
#: Calendar days shown when no start is given.
DEFAULT_DAYS = {"1m": 30, "5m": 90, "15m": 180, "1h": 365, "1d": 5 * 365}
PAGE_BARS = 5_000
#: The price bases a chart can show, in the order of its control, with their legend.
BASES = {"none": "as traded", "splits": "split-adjusted", "all": "splits and dividends"}

DateBound = date | datetime | None


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """A slot to read again from the API: a live 1m bar landed in a rolled-up bar."""

    start: datetime
    end: datetime


class ChartPresenter:
    def __init__(
        self,
        client: ChronoxClient,
        symbol: str,
        timeframe: str = "1m",
        session: str = "rth",
        start: DateBound = None,
        end: DateBound = None,
        *,
        adjust: str = "splits",
        first_sessions: int | None = None,
        chunk_sessions: int | None = None,
    ) -> None:
        Timeframe.parse(timeframe)
        PriceBasis.parse(adjust)
        self.client = client
        self.adjust = adjust
        self.symbol = symbol
        self.timeframe = timeframe
        self.session = session
        self.start = start
        self.end = end
        self._first = first_sessions
        self._chunk = chunk_sessions
        self._lock = threading.Lock()
        self.sessions: list[SessionOut] = []
        self.derived = False
        self._bars: Block = bars.empty_block()
        self._pending: list[list[SessionOut]] = []  # oldest chunk first; popped from the end
        self._generation = 0

    # -- what a view reads

    @property
    def bars(self) -> Block:
        """The bars held: a snapshot (merges replace the arrays, never write into them)."""
        return self._bars

    @property
    def title(self) -> str:
        """What the chart shows: ``AAPL · 1d · rth · split-adjusted``."""
        return f"{self.symbol} · {self.timeframe} · {self.session} · {BASES[self.adjust]}"

    @property
    def fully_loaded(self) -> bool:
        return not self._pending

    @property
    def loaded_from(self) -> date | None:
        """The first session date whose bars are held (None before the first load)."""
        with self._lock:
            if not self.sessions:
                return None
            waiting = sum(len(chunk) for chunk in self._pending)
            return self.sessions[waiting].date if waiting < len(self.sessions) else None

    # -- loading

    def open(self) -> Block:
        """Sessions of the range and the bars of its newest sessions; older ones wait."""
        first_day, last_day = self._dates()
        sessions = self.client.sessions(first_day, last_day, session=self.session)
        first = self._first or FIRST_SESSIONS[self.timeframe]
        chunk = self._chunk or CHUNK_SESSIONS[self.timeframe]
        older = sessions[:-first] if len(sessions) > first else []
        chunks = [older[max(0, i - chunk) : i] for i in range(len(older), 0, -chunk)]
        with self._lock:
            self._generation += 1
            self.sessions = sessions
            self.derived = False
            self._bars = bars.empty_block()
            self._pending = chunks[::-1]
            generation = self._generation
        newest = sessions[-first:] if sessions else []
        return self._load(newest, generation)

    def reload_newest(self) -> Block:
        """The newest sessions read again (after a reconnect: what was stored while the
        monitor was away, when the server had no replay to give)."""
        with self._lock:
            generation = self._generation
            first = self._first or FIRST_SESSIONS[self.timeframe]
            newest = self.sessions[-first:]
        return self._load(newest, generation)

    def load_older(self) -> Block | None:
        """The next older chunk of bars, merged; None once everything is loaded."""
        with self._lock:
            if not self._pending:
                return None
            chunk = self._pending.pop()
            generation = self._generation
        return self._load(chunk, generation)

    def switch_timeframe(self, timeframe: str) -> Block:
        Timeframe.parse(timeframe)
        self.timeframe = timeframe
        return self.open()

    def switch_basis(self, adjust: str) -> Block:
        """Every bar read again on the price basis ``adjust``: a new basis changes the
        prices of every session before a split (or an ex-date), not only the newest."""
        PriceBasis.parse(adjust)
        self.adjust = adjust
        return self.open()

    def _load(self, sessions: Sequence[SessionOut], generation: int) -> Block:
        if not sessions:
            return bars.empty_block()
        pages = self.client.bar_pages(
            self.symbol,
            self.timeframe,
            sessions[0].date,
            sessions[-1].date,
            limit=PAGE_BARS,
            adjust=self.adjust,
        )
        block = bars.empty_block()
        derived = False
        for page in pages:
            block = bars.merge(block, bars.block_of(page.bars))
            derived = derived or page.derived_from is not None
        with self._lock:
            if generation != self._generation:  # a timeframe switch meanwhile: drop it
                return bars.empty_block()
            self._bars = bars.merge(self._bars, block)
            self.derived = self.derived or derived  # an empty page says nothing of it
        return block

    # -- live bars and provisional marks

    def live(self, event: BarEventOut) -> Block | SlotRequest | None:
        """Where a live bar goes: a one-bar block merged into this chart's timeframe, a
        rolled-up slot to read again (a 1m bar on a 5m chart), or None (another series,
        or outside the sessions shown, or on another basis: a subscription of before a
        basis switch)."""
        if event.symbol != self.symbol or getattr(event, "adjust", self.adjust) != self.adjust:
            return None
        if event.timeframe == self.timeframe:
            block = bars.block_of([event])
            with self._lock:
                self._bars = bars.merge(self._bars, block)
            return block
        if event.timeframe != "1m":
            return None
        step = Timeframe(self.timeframe)
        slot = step.floor(event.start)
        return SlotRequest(slot, slot + step.step)

    def reread(self, slot: SlotRequest) -> Block:
        """The rolled-up bar of ``slot`` read again from the API (it is provisional:
        its minutes are still arriving)."""
        page = self.client.bars(
            self.symbol, self.timeframe, slot.start, slot.end, adjust=self.adjust
        )
        block = bars.block_of(page.bars, provisional=True)
        with self._lock:
            self._bars = bars.merge(self._bars, block)
        return block

    def mark_provisional(self, spans: Sequence[Interval]) -> None:
        """Flag the bars inside the ledger's provisional spans (REST bars carry no flag;
        the coverage presenter knows which time is not settled yet)."""
        with self._lock:
            held = self._bars
            flags = held["provisional"].copy()
            for span in spans:
                flags |= bars.inside(held, bars.epoch_ns(span.start), bars.epoch_ns(span.end))
            self._bars = {**held, "provisional": flags}

    def latest_bar_at(self) -> datetime | None:
        starts = self._bars["start_ns"]
        if starts.shape[0] == 0:
            return None
        return datetime.fromtimestamp(int(starts[-1]) / 1e9, UTC)

    # -- the range

    def _dates(self) -> tuple[date, date]:
        return shown_dates(self.timeframe, self.start, self.end)


def shown_dates(timeframe: str, start: DateBound, end: DateBound) -> tuple[date, date]:
    """The session dates a chart of ``timeframe`` shows for these bounds: without a
    start, :data:`DEFAULT_DAYS` back from the end; without an end, up to today."""
    today = datetime.now(exchange_timezone()).date()
    last = _as_date(end) or today
    first = _as_date(start) or last - timedelta(days=DEFAULT_DAYS[timeframe])
    return first, last


def _as_date(bound: DateBound) -> date | None:
    if bound is None:
        return None
    if isinstance(bound, datetime):
        return bound.astimezone(exchange_timezone()).date()
    return bound
