"""The coverage matrix (``CoverageMatrixService``) on the memory store: every cell state,
percents, completeness, the sessions it shows, and the reads it makes (one ledger read,
grouped bar counts, never a read per symbol)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRegistry, MemoryRepository
from chronox_domain.actions import ListingPeriod
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.interval import Interval
from chronox_domain.matrix import STATES, CellState, day_slots
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.matrix import CoverageMatrixService
from chronox_domain.session import SessionKind, slot_window
from chronox_domain.summary import summarize
from chronox_domain.timeframe import Timeframe

H1 = Timeframe.H1
#: 11:30 New York on Monday 2024-11-25: two of the session's 1h slots (09:00, 10:00
#: New York; the 09:00 one holds the 09:30 open) have ended.
NOW = datetime(2024, 11, 25, 16, 30, tzinfo=UTC)
WEEK = [date(2024, 11, d) for d in (18, 19, 20, 21, 22)]
FETCHED = datetime(2024, 12, 1, tzinfo=UTC)


class CountingRepository(MemoryRepository):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        self.reads.append("coverage")
        return super().coverage(symbol, timeframe)

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        self.reads.append("coverage_within")
        return super().coverage_within(symbols, timeframe, window)

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        self.reads.append("bar_starts")
        return super().bar_starts(symbol, timeframe, window)

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        self.reads.append("bar_counts")
        return super().bar_counts(symbols, timeframe, windows)


class Listed:
    def __init__(self, found: Mapping[str, ListingPeriod]) -> None:
        self.found = found

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        return {s: self.found[s] for s in symbols if s in self.found}


def window(calendar: ExchangeCalendar, day: date) -> Interval:
    (session,) = calendar.sessions(day, day, SessionKind.RTH)
    return slot_window(session, H1)


def slots(piece: Interval) -> list[datetime]:
    return [piece.start + H1.step * i for i in range(H1.slots_in(piece.start, piece.end))]


def store(
    repository: MemoryRepository,
    symbol: str,
    piece: Interval,
    status: CoverageStatus,
    bars: Sequence[datetime] | None = None,
    source: str = "polygon",
) -> None:
    """``piece`` covered with ``status``; a bar in each of ``bars`` (every slot: None)."""
    starts = slots(piece) if bars is None else bars
    if status is CoverageStatus.UNCONFIRMED:
        starts = []
    made = [Bar(symbol, H1, s, 10, 11, 9, 10.5, 100, None, None) for s in starts]
    answered = FETCHED if status is CoverageStatus.UNCONFIRMED else None
    span = CoverageSpan(piece, status, source, answered)
    repository.write(BarBatch(symbol, H1, made, source, None, (span,)))


@pytest.fixture
def repository() -> CountingRepository:
    return CountingRepository()


def service(
    repository: MemoryRepository,
    calendar: ExchangeCalendar,
    symbols: Sequence[str],
    listings: Mapping[str, ListingPeriod] | None = None,
    now: datetime = NOW,
) -> CoverageMatrixService:
    registry = MemoryRegistry()
    registry.put_many([SymbolEntry(s, (Timeframe.M1, H1)) for s in symbols])
    registry.put(SymbolEntry("ZDAILY", (Timeframe.D1,)))  # not registered for 1h
    return CoverageMatrixService(
        repository, registry, calendar, FixedClock(now), Listed(listings or {})
    )


def test_every_state_of_a_cell(repository: CountingRepository, calendar: ExchangeCalendar) -> None:
    mon, tue, wed, thu, fri = (window(calendar, d) for d in WEEK)
    today = window(calendar, date(2024, 11, 25))
    # FULL: every day final with every bar (today: the two ended slots).
    for day in (mon, tue, wed, thu, fri):
        store(repository, "FULL", day, CoverageStatus.FINAL)
    store(
        repository, "FULL", Interval(today.start, today.start + 2 * H1.step), CoverageStatus.FINAL
    )
    # MIXED: a hole, an empty day, a gap, an unconfirmed day, provisional, settling.
    store(repository, "MIXED", mon, CoverageStatus.FINAL, slots(mon)[1:])  # hole
    store(repository, "MIXED", tue, CoverageStatus.FINAL, [])  # confirmed empty
    store(repository, "MIXED", Interval(wed.start, wed.end - H1.step), CoverageStatus.FINAL)
    store(repository, "MIXED", thu, CoverageStatus.UNCONFIRMED)
    store(repository, "MIXED", fri, CoverageStatus.PROVISIONAL, source="synthetic")
    half = today.start + H1.step
    store(repository, "MIXED", Interval(today.start, half), CoverageStatus.FINAL)
    store(repository, "MIXED", Interval(half, today.end), CoverageStatus.PROVISIONAL)
    # LATE: listed on Wednesday; its Wednesday final and settling-with-a-hole today.
    store(repository, "LATE", wed, CoverageStatus.FINAL)
    store(repository, "LATE", Interval(today.start, half), CoverageStatus.FINAL, [])
    store(repository, "LATE", Interval(half, today.end), CoverageStatus.PROVISIONAL)
    listings = {"LATE": ListingPeriod("LATE", date(2024, 11, 20), None, True, FETCHED)}

    found = service(repository, calendar, ["MIXED", "FULL", "LATE"], listings).matrix(
        H1, SessionKind.RTH, sessions=6
    )

    assert found.days == (*WEEK, date(2024, 11, 25))
    assert [row.symbol for row in found.rows] == ["FULL", "LATE", "MIXED"]
    full, late, mixed = found.rows
    assert full.cells == (CellState.FINAL,) * 6 and full.codes == "000000"
    assert full.percent == (100,) * 6 and full.complete == 100.0
    assert mixed.cells == (
        CellState.HOLE,
        CellState.EMPTY,
        CellState.GAP,
        CellState.UNCONFIRMED,
        CellState.PROVISIONAL,
        CellState.PROVISIONAL,  # final then provisional, every bar there
    )
    assert mixed.codes == "".join(str(STATES.index(cell)) for cell in mixed.cells) == "364211"
    assert mixed.percent == (100, 100, 85, 0, 100, 100)  # 6 of 7 slots on Wednesday
    # 7 + 7 + 6 + 0 + 7 + 2 covered of 7 * 5 + 2 owed: 29 / 37 = 78.37 %, floored.
    assert mixed.complete == 78.3
    assert late.cells == (
        CellState.UNLISTED,
        CellState.UNLISTED,
        CellState.FINAL,
        CellState.GAP,
        CellState.GAP,
        CellState.HOLE,  # its final hour holds no bar, beside provisional coverage
    )
    assert late.percent == (0, 0, 100, 0, 0, 100)
    assert late.complete == math_floor_tenth(100 * (7 + 2) / (7 * 3 + 2))
    assert found.demo is True  # MIXED's Friday is synthetic
    assert repository.reads.count("coverage_within") == 1
    assert set(repository.reads) <= {"coverage_within", "bar_counts"}
    assert repository.reads.count("bar_counts") == 2  # whole sessions, then settling ones


def math_floor_tenth(value: float) -> float:
    return int(value * 10) / 10


def test_pending_sessions_and_a_session_not_begun(
    repository: CountingRepository, calendar: ExchangeCalendar
) -> None:
    before_open = datetime(2024, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 New York
    found = service(repository, calendar, ["AAA"], now=before_open).matrix(
        H1, SessionKind.RTH, sessions=2
    )
    assert found.days == (date(2024, 11, 22), date(2024, 11, 25))
    (row,) = found.rows
    assert row.cells == (CellState.GAP, CellState.PENDING) and row.percent == (0, 0)
    assert row.complete == 0.0 and found.demo is False


def test_prefix_timeframe_and_order(
    repository: CountingRepository, calendar: ExchangeCalendar
) -> None:
    names = ["ABC", "AB", "abd".upper(), "XYZ", "AA"]
    matrix = service(repository, calendar, names)
    assert [r.symbol for r in matrix.matrix(H1, SessionKind.RTH, 1, prefix="ab").rows] == [
        "AB",
        "ABC",
        "ABD",
    ]
    assert [r.symbol for r in matrix.matrix(Timeframe.D1, SessionKind.RTH, 1).rows] == ["ZDAILY"]
    assert matrix.matrix(H1, SessionKind.RTH, 1, prefix="Q").rows == []


def test_the_sessions_shown(repository: CountingRepository, calendar: ExchangeCalendar) -> None:
    matrix = service(repository, calendar, ["AAA"])
    default = matrix.matrix(H1, SessionKind.RTH)
    assert len(default.days) == 20 and default.days[-1] == date(2024, 11, 25)
    ranged = matrix.matrix(H1, SessionKind.ETH, start=date(2024, 11, 27), end=date(2024, 12, 2))
    assert ranged.days == (date(2024, 11, 27), date(2024, 11, 29), date(2024, 12, 2))
    up_to = matrix.matrix(H1, SessionKind.RTH, sessions=3, end=date(2024, 11, 20))
    assert up_to.days == (date(2024, 11, 18), date(2024, 11, 19), date(2024, 11, 20))
    since = matrix.matrix(H1, SessionKind.RTH, start=date(2024, 11, 21))
    assert since.days == (date(2024, 11, 21), date(2024, 11, 22), date(2024, 11, 25))
    assert len(matrix.matrix(H1, SessionKind.RTH, sessions=260).days) == 260


@pytest.mark.parametrize(
    ("asked", "refused", "words"),
    [
        ({"sessions": 261}, InvalidInput, "sessions must be 1 to 260"),
        ({"sessions": 0}, InvalidInput, "sessions must be 1 to 260"),
        ({"start": date(2023, 1, 1), "end": date(2024, 6, 1)}, InvalidRange, "at most 260"),
        ({"start": date(2024, 11, 23), "end": date(2024, 11, 24)}, InvalidRange, "no trading"),
        ({"start": date(2024, 11, 22), "end": date(2024, 11, 21)}, InvalidRange, "no trading"),
        ({"start": date(2024, 12, 2)}, InvalidRange, "no trading sessions"),  # after today
        ({"start": date(1800, 1, 2), "end": date(1800, 1, 9)}, InvalidRange, "outside"),
        ({"end": date(1, 1, 1)}, InvalidRange, "outside the XNYS calendar"),
        ({"start": date(9999, 12, 31)}, InvalidRange, "outside the XNYS calendar"),
    ],
)
def test_what_is_refused_in_one_line(
    repository: CountingRepository,
    calendar: ExchangeCalendar,
    asked: dict[str, object],
    refused: type[Exception],
    words: str,
) -> None:
    with pytest.raises(refused) as raised:
        service(repository, calendar, ["AAA"]).matrix(H1, SessionKind.RTH, **asked)  # type: ignore[arg-type]
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_a_day_divides_as_the_summary_counts(calendar: ExchangeCalendar) -> None:
    """Each cell's classes are those ``summarize`` finds for its session (the
    ``/coverage/{symbol}/summary`` of that day), for random ledgers."""
    rng = random.Random(21)
    days = [window(calendar, d) for d in WEEK]
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 8)):
            day = rng.choice(days)
            cut = slots(day)
            first = rng.randrange(len(cut))
            last = rng.randrange(first, len(cut)) + 1
            piece = Interval(
                cut[first] + timedelta(minutes=rng.choice([0, 0, 20])), cut[last - 1] + H1.step
            )
            status = rng.choice(list(CoverageStatus))
            spans.append(CoverageSpan(piece, status, "polygon", FETCHED))
        spans.sort(key=lambda span: span.interval.start)
        ended = [d if rng.random() < 0.8 else None for d in days]
        for piece, got in zip(ended, day_slots(ended, spans, H1), strict=True):
            if piece is None:
                assert got is None
                continue
            assert got is not None
            want = summarize("X", H1, piece.start, piece.end, [piece], spans)
            assert (got.final, got.provisional, got.unconfirmed, got.missing) == (
                want.final,
                want.provisional,
                want.unconfirmed,
                want.missing,
            )
