"""Every registry symbol's coverage of one range, from the coverage matrix: one request
per session kind (and per :data:`MAX_ROW_SESSIONS` sessions of a longer range), never
one per symbol. The matrix is asked for its rows' counts alone (``cells=false``): no
cell states, so no bar is read and the answer does not grow with the range. A row's
counts (``covered`` of ``owed`` slots) are exactly what ``/coverage/{symbol}/summary``
counts over the same sessions, so a symbol outside the registry, asked of the summary
over :meth:`RangeCoverage.days`, reads alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.services.matrix import MAX_ROW_SESSIONS
from chronox_domain.session import exchange_timezone

DateBound = date | datetime | None


@dataclass(frozen=True, slots=True)
class Slots:
    """Slots covered final or provisional, of those owed (ended, expected, listed)."""

    covered: int
    owed: int

    @property
    def percent(self) -> float | None:
        """0-100; None when no slot is owed."""
        return None if self.owed == 0 else 100.0 * self.covered / self.owed

    def __add__(self, other: Slots) -> Slots:
        return Slots(self.covered + other.covered, self.owed + other.owed)


class RangeCoverage:
    """The sessions dated ``start`` to ``end`` (a ``datetime`` is read as its date on
    the exchange), in ``timeframe``; without ``start``, the matrix's own window (its
    last sessions up to ``end`` or today)."""

    def __init__(
        self, client: ChronoxClient, timeframe: str, start: DateBound, end: DateBound
    ) -> None:
        self.client = client
        self.timeframe = timeframe
        self.start = session_date(start)
        self.end = session_date(end)
        if self.start is not None and self.end is None:
            # The matrix's "up to today", said here so that a long range can be cut.
            self.end = datetime.now(exchange_timezone()).date()
        self._days: dict[str, tuple[date, date]] = {}

    def of_registry(self, session: str) -> dict[str, Slots]:
        """By symbol: the slots of every registry symbol registered for ``session``."""
        found: dict[str, Slots] = {}
        for first, last in self._stretches(session):
            matrix = self.client.coverage_matrix(
                self.timeframe, session=session, start=first, end=last, rows="session", cells=False
            )
            self._seen(session, matrix.days)
            for row in matrix.rows:
                counted = Slots(row.covered, row.owed)
                before = found.get(row.symbol)
                found[row.symbol] = counted if before is None else before + counted
        return found

    def of_symbol(self, symbol: str, session: str) -> Slots:
        """The slots of one symbol (in the registry or not) over the same sessions."""
        first, last = self.days(session, symbol)
        summary = self.client.coverage_summary(symbol, self.timeframe, first, last, session=session)
        return Slots(summary.final + summary.provisional, summary.expected)

    def days(self, session: str, symbol: str) -> tuple[date, date]:
        """The first and last session dates read for ``session``."""
        if session not in self._days:
            if self.start is not None and self.end is not None:
                return self.start, self.end
            # The matrix's own window: asked of a matrix whose rows are a few at most.
            matrix = self.client.coverage_matrix(
                self.timeframe,
                session=session,
                end=self.end,
                prefix=symbol,
                rows="session",
                cells=False,
            )
            self._seen(session, matrix.days)
        return self._days[session]

    def _stretches(self, session: str) -> list[tuple[date | None, date | None]]:
        """The range in stretches of at most :data:`MAX_ROW_SESSIONS` sessions: one
        unless the range may hold more (ten years of calendar days hold about 2,520)."""
        start, end = self.start, self.end
        if start is None or end is None or (end - start).days < MAX_ROW_SESSIONS:
            return [(start, end)]
        dates = [found.date for found in self.client.sessions(start, end, session=session)]
        if not dates:
            return [(start, end)]  # the matrix says so, in one line
        cut = range(0, len(dates), MAX_ROW_SESSIONS)
        return [(dates[i], dates[min(i + MAX_ROW_SESSIONS, len(dates)) - 1]) for i in cut]

    def _seen(self, session: str, days: list[date]) -> None:
        first, last = self._days.get(session, (days[0], days[-1]))
        self._days[session] = (min(first, days[0]), max(last, days[-1]))


def session_date(bound: DateBound) -> date | None:
    """A bound as a session date: a ``datetime``'s date on the exchange."""
    if isinstance(bound, datetime):
        return bound.astimezone(exchange_timezone()).date()
    return bound
