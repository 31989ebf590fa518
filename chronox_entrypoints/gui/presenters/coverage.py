"""The coverage ribbon of one series: what the ledger knows of each stretch of time.

Seven kinds, one colour each (the chart's ``palette.RIBBON``): ``final`` and
``provisional`` spans of the ledger (``GET /coverage``); ``gap`` (expected time nobody
fetched), ``hole`` (a slot inside final coverage without a bar), ``unconfirmed`` (the
source answered empty once), ``unlisted`` (before the symbol's listing or from its
delisting) from ``GET /gaps?holes=true``; and ``empty``, a hole that spans a whole
session: the source answered that day empty twice, confirmed empty. Where kinds overlap
the most pressing wins: gap, empty, hole, unconfirmed, unlisted, provisional, final
(unlisted over the ledger's spans: what a source said of that time, before the listing
was known, says nothing of this company). Selecting a stretch asks ``POST /backfill`` for it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.interval import Interval, IntervalList, normalize, subtract, union
from chronox_domain.timeframe import Timeframe
from chronox_presentation import JobOut, SessionOut

#: Most pressing first: where two kinds overlap, the first one listed is shown.
PRECEDENCE = ("gap", "empty", "hole", "unconfirmed", "unlisted", "provisional", "final")


@dataclass(frozen=True, slots=True)
class RibbonSegment:
    start: datetime
    end: datetime
    kind: str  # one of PRECEDENCE


class CoveragePresenter:
    def __init__(
        self, client: ChronoxClient, symbol: str, timeframe: str = "1m", session: str = "rth"
    ) -> None:
        self.client = client
        self.symbol = symbol
        self.timeframe = timeframe
        self.session = session
        self._lock = threading.Lock()
        self.segments: list[RibbonSegment] = []

    def load(self, sessions: Sequence[SessionOut]) -> list[RibbonSegment]:
        """The ribbon over ``sessions`` (the chart's), sorted by start."""
        if not sessions:
            with self._lock:
                self.segments = []
            return []
        step = Timeframe(self.timeframe)
        windows = [_slot_window(day, step) for day in sessions]
        shown = Interval(windows[0].start, windows[-1].end)
        kinds: dict[str, list[Interval]] = {kind: [] for kind in PRECEDENCE}
        for span in self.client.coverage(self.symbol, self.timeframe):
            if span.status in kinds and span.end > shown.start and span.start < shown.end:
                kinds[span.status].append(Interval(span.start, span.end))
        missing = self.client.gaps(
            self.symbol,
            self.timeframe,
            sessions[0].date,
            sessions[-1].date,
            session=self.session,
            holes=True,
        )
        whole_sessions = set(windows)
        for window in missing:
            piece = Interval(window.start, window.end)
            kind = "empty" if window.kind == "hole" and piece in whole_sessions else window.kind
            kinds[kind].append(piece)
        segments = _layered(kinds, shown)
        with self._lock:
            self.segments = segments
        return segments

    def provisional(self) -> IntervalList:
        """The stretches shown as provisional (the chart draws their bars hollow)."""
        return [Interval(s.start, s.end) for s in self.segments if s.kind == "provisional"]

    def at(self, moment: datetime) -> RibbonSegment | None:
        """The segment under ``moment`` (a click on the ribbon)."""
        for segment in self.segments:
            if segment.start <= moment < segment.end:
                return segment
        return None

    def backfill(self, start: datetime, end: datetime) -> list[JobOut]:
        """Ask the API to backfill ``[start, end)`` of this symbol: one job."""
        return self.client.backfill([self.symbol], start, end)


def _slot_window(session: SessionOut, step: Timeframe) -> Interval:
    """As ``chronox_domain.session.slot_window``: the session widened to the slot grid;
    a daily bar's slot is its UTC day."""
    if step is Timeframe.D1:
        stamp = step.daily_stamp(session.date)
        return Interval(stamp, stamp + step.step)
    return Interval(step.floor(session.open), step.ceil(session.close))


def _layered(kinds: dict[str, list[Interval]], shown: Interval) -> list[RibbonSegment]:
    taken: IntervalList = []
    segments: list[RibbonSegment] = []
    for kind in PRECEDENCE:
        clipped = [
            Interval(max(piece.start, shown.start), min(piece.end, shown.end))
            for piece in kinds[kind]
            if piece.end > shown.start and piece.start < shown.end
        ]
        pieces = subtract(normalize(clipped), taken)
        segments += [RibbonSegment(piece.start, piece.end, kind) for piece in pieces]
        taken = union(taken, pieces)
    segments.sort(key=lambda segment: segment.start)
    return segments
