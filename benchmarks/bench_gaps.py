"""Gap windows of symbol-years of 1m bars: the interval algebra against a per-minute scan.

The expected time is XNYS regular hours of 2024 on the 1m grid. Each symbol's ledger
looks like what a year of ingestion leaves: every session covered except a few never
fetched, a few only partly (an interrupted request, a stretch missing in the middle),
and a few single minutes whose bar was rejected (their slots stay uncovered).

The baseline is the obvious way to find gaps: walk every expected minute and look it
up in a set of covered minutes, building runs. It gets its set built before the clock
starts, and works on integer epoch minutes rather than datetimes, so it is as fast as
that approach gets; the speedups below are conservative.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from benchmarks.app import application
from benchmarks.timing import Comparison, Figure, compare, seconds
from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.gaps import find_gaps
from chronox_domain.interval import Interval, IntervalList, normalize, subtract
from chronox_domain.ports import TradingCalendar
from chronox_domain.services.coverage import CoverageService
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import EPOCH, Timeframe

YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)
SYMBOL = "SPY"
SOURCE = "synthetic"
#: Long after 2024, so all of the year is settled.
TARGET_SECONDS = 0.010

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Holes:
    """How a symbol's ledger for the year falls short of complete."""

    sessions_missing: int = 20
    sessions_partial: int = 10
    minutes_rejected: int = 12


TYPICAL_HOLES = Holes()


def year_expected(calendar: TradingCalendar) -> IntervalList:
    sessions = calendar.sessions(YEAR_START, YEAR_END, SessionKind.RTH)
    return expected_windows(sessions, Timeframe.M1)


def realistic_coverage(
    expected: Sequence[Interval], rng: random.Random, holes: Holes = TYPICAL_HOLES
) -> IntervalList:
    """A year's final coverage with random holes (see the module docstring)."""
    chosen = rng.sample(range(len(expected)), holes.sessions_missing + holes.sessions_partial)
    missing = set(chosen[: holes.sessions_missing])
    cut_short = set(chosen[holes.sessions_missing :])
    pieces: IntervalList = []
    for index, window in enumerate(expected):
        if index in missing:
            continue
        if index not in cut_short:
            pieces.append(window)
            continue
        slots = Timeframe.M1.slots_in(window.start, window.end)
        first = rng.randrange(1, slots - 1)
        if rng.random() < 0.5:  # interrupted: covered up to some minute
            pieces.append(Interval(window.start, window.start + first * _MINUTE))
        else:  # a stretch in the middle is missing
            last = rng.randrange(first + 1, slots)
            pieces.append(Interval(window.start, window.start + first * _MINUTE))
            pieces.append(Interval(window.start + last * _MINUTE, window.end))
    rejected = []
    for _ in range(holes.minutes_rejected):
        window = rng.choice(expected)
        slots = Timeframe.M1.slots_in(window.start, window.end)
        slot = window.start + rng.randrange(slots) * _MINUTE
        rejected.append(Interval(slot, slot + _MINUTE))
    return subtract(normalize(pieces), normalize(rejected))


def _minute(moment: datetime) -> int:
    return (moment - EPOCH) // _MINUTE


def covered_minutes(covered: Sequence[Interval]) -> set[int]:
    """The baseline's view of coverage: every covered epoch minute."""
    return {m for piece in covered for m in range(_minute(piece.start), _minute(piece.end))}


def naive_gaps(expected: Sequence[Interval], covered: set[int], window: Interval) -> IntervalList:
    """Every expected minute of ``window``, one by one, looked up in ``covered``."""
    runs: list[tuple[int, int]] = []
    lo, hi = _minute(window.start), _minute(window.end)
    for piece in expected:
        run_start: int | None = None
        end = min(_minute(piece.end), hi)
        for minute in range(max(_minute(piece.start), lo), end):
            if minute in covered:
                if run_start is not None:
                    runs.append((run_start, minute))
                    run_start = None
            elif run_start is None:
                run_start = minute
        if run_start is not None:
            runs.append((run_start, end))
    return [Interval(EPOCH + a * _MINUTE, EPOCH + b * _MINUTE) for a, b in runs]


def _year_window(expected: Sequence[Interval]) -> Interval:
    return Interval(expected[0].start, expected[-1].end)


def _sqlite_service(
    folder: str, calendar: TradingCalendar, covered: Sequence[Interval]
) -> tuple[SqliteDatabase, CoverageService]:
    """A store holding ``covered`` as its ledger, and the service that reads it."""
    database = SqliteDatabase(str(Path(folder) / "ledger.sqlite3"))
    repository = SqliteRepository(database)
    spans = tuple(CoverageSpan(piece, CoverageStatus.FINAL, SOURCE) for piece in covered)
    repository.write(BarBatch(SYMBOL, Timeframe.M1, [], SOURCE, None, spans))
    service: CoverageService = application(calendar, repository=repository).coverage()
    return database, service


def _missing(service: CoverageService) -> IntervalList:
    return service.missing(SYMBOL, Timeframe.M1, SessionKind.RTH, YEAR_START, YEAR_END).missing


def one_symbol_year(calendar: TradingCalendar, repeats: int, seed: int) -> list[Figure]:
    expected = year_expected(calendar)
    covered = realistic_coverage(expected, random.Random(seed))
    window = _year_window(expected)
    minutes = covered_minutes(covered)

    gaps = find_gaps(expected, covered, window)
    # Correctness, not timing: both ways find the same gaps, and so does the service.
    assert gaps == naive_gaps(expected, minutes, window), "find_gaps and the scan disagree"
    scan = partial(naive_gaps, expected, minutes, window)
    algebra = compare(scan, partial(find_gaps, expected, covered, window), repeats)
    with tempfile.TemporaryDirectory(prefix="chronox-bench-") as folder:
        database, service = _sqlite_service(folder, calendar, covered)
        try:
            assert _missing(service) == gaps, "CoverageService.missing disagrees with find_gaps"
            whole_path = compare(scan, partial(_missing, service), repeats)
        finally:
            database.close()

    expected_minutes = sum(Timeframe.M1.slots_in(p.start, p.end) for p in expected)
    scope = (
        f"{len(expected)} sessions, {expected_minutes:,} expected minutes, "
        f"{len(covered)} covered spans, {len(gaps)} gaps"
    )
    sizes = {
        "sessions": len(expected),
        "expected_minutes": expected_minutes,
        "covered_spans": len(covered),
        "gaps": len(gaps),
    }
    return [
        Figure(
            benchmark="gaps",
            what=f"find_gaps, one symbol, XNYS RTH 2024 ({scope})",
            baseline=f"per-minute scan: {seconds(algebra.baseline.median)}",
            chronox=seconds(algebra.chronox.median),
            ratio=algebra.speedup,
            ratio_label="faster",
            target="< 10 ms",
            met=algebra.chronox.median < TARGET_SECONDS,
            data={**sizes, "naive_s": algebra.baseline.median, "chronox_s": algebra.chronox.median},
        ),
        Figure(
            benchmark="gaps",
            what="CoverageService.missing on a SQLite store holding that ledger "
            "(range, calendar, ledger read, find_gaps)",
            baseline=f"per-minute scan: {seconds(whole_path.baseline.median)}",
            chronox=seconds(whole_path.chronox.median),
            ratio=whole_path.speedup,
            ratio_label="faster",
            target="none (reported)",
            met=None,
            data={
                **sizes,
                "naive_s": whole_path.baseline.median,
                "chronox_s": whole_path.chronox.median,
            },
        ),
    ]


def _find_all(
    expected: Sequence[Interval], coverages: Sequence[IntervalList], window: Interval
) -> None:
    for covered in coverages:
        find_gaps(expected, covered, window)


def _scan_all(
    expected: Sequence[Interval], minute_sets: Sequence[set[int]], window: Interval
) -> None:
    for minutes in minute_sets:
        naive_gaps(expected, minutes, window)


def many_symbol_years(
    calendar: TradingCalendar, symbols: int, scanned: int, repeats: int, seed: int
) -> list[Figure]:
    """``symbols`` ledgers, each with its own holes; the scan times only ``scanned``."""
    expected = year_expected(calendar)
    window = _year_window(expected)
    coverages = [realistic_coverage(expected, random.Random(seed + i)) for i in range(symbols)]
    minute_sets = [covered_minutes(covered) for covered in coverages[:scanned]]
    for covered, minutes in zip(coverages, minute_sets, strict=False):
        assert find_gaps(expected, covered, window) == naive_gaps(expected, minutes, window)

    timings = compare(
        partial(_scan_all, expected, minute_sets, window),
        partial(_find_all, expected, coverages, window),
        repeats,
    )
    naive, chronox = timings.baseline, timings.chronox
    extrapolated = Comparison(naive.scaled(symbols / scanned), chronox)
    per_symbol = chronox.median / symbols
    return [
        Figure(
            benchmark="many",
            what=f"find_gaps for {symbols} symbol-years, each its own ledger",
            baseline=(
                f"per-minute scan of {scanned} symbols: {seconds(naive.median)}; "
                f"EXTRAPOLATED to {symbols}: {seconds(extrapolated.baseline.median)}"
            ),
            chronox=f"{seconds(chronox.median)} ({seconds(per_symbol)} per symbol)",
            ratio=extrapolated.speedup,
            ratio_label="faster",
            target="< 10 ms per symbol (the target of 2)",
            met=per_symbol < TARGET_SECONDS,
            data={
                "symbols": symbols,
                "scanned_symbols": scanned,
                "find_gaps_total_s": chronox.median,
                "find_gaps_per_symbol_s": per_symbol,
                "naive_scanned_s": naive.median,
                "naive_extrapolated_s": extrapolated.baseline.median,
            },
        )
    ]
