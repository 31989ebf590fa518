"""SQLite ingest: chronox's validated, ledgered upsert against a bare executemany.

The same pre-generated 1m bars go, batch by batch (one batch per planned vendor request,
up to 50,000 bars, as ingestion does), into two fresh store files with the same schema
and PRAGMAs:

* chronox: ``split_valid`` then ``SqliteRepository.write(BarBatch(...))``, which turns
  bars into rows, upserts them and merges the batch's coverage into the ledger, in one
  transaction per batch;
* raw: one ``BEGIN IMMEDIATE; executemany(plain INSERT); COMMIT`` per batch of rows built
  before the clock starts: the least Python can do to put these rows in that table.

Then the same bars through chronox again: every row conflicts, nothing changes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from benchmarks.timing import Comparison, Figure, Timing, rate, seconds, stopwatch
from chronox_adapters.sqlite import SqliteDatabase, SqliteRepository
from chronox_adapters.sqlite.schema import BAR_TABLES
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain.bar import Bar, split_valid
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, spans_for_fetch
from chronox_domain.planning import plan_requests
from chronox_domain.ports import TradingCalendar
from chronox_domain.session import SessionKind, expected_windows
from chronox_domain.timeframe import Timeframe

SYMBOL = "SPY"
MAX_BARS_PER_REQUEST = 50_000
TARGET_RATIO = 2.0
#: Long after the generated days, so every bar and every span is final.
HORIZON = datetime(2025, 6, 2, tzinfo=UTC)
FIRST_DAY = date(2016, 1, 1)

_RAW_INSERT = (
    f"INSERT INTO {BAR_TABLES[Timeframe.M1]} "
    "(symbol, start, open, high, low, close, volume, vwap, trades, provisional, source) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Batch:
    """One planned request's worth: its bars and the ledger spans it earns."""

    bars: list[Bar]
    coverage: tuple[CoverageSpan, ...]


def generate(calendar: TradingCalendar, bars_wanted: int) -> list[Batch]:
    """Synthetic RTH 1m bars of whole consecutive sessions, at least ``bars_wanted``.

    Batches follow ingestion's plan for an empty store: one per request of up to
    50,000 bars. Each session is fetched on its own, so only regular-hours bars are
    generated (a request's window would also span the closed and extended hours).
    """
    source = SyntheticSource(calendar)
    last_day = FIRST_DAY + timedelta(days=2 * (bars_wanted // 390 + 1))
    sessions = calendar.sessions(FIRST_DAY, last_day, SessionKind.RTH)
    expected = expected_windows(sessions, Timeframe.M1)
    batches: list[Batch] = []
    total = 0
    for planned in plan_requests(expected, expected, Timeframe.M1, MAX_BARS_PER_REQUEST):
        bars: list[Bar] = []
        coverage: list[CoverageSpan] = []
        for part in planned.parts:
            bars.extend(source.fetch(SYMBOL, Timeframe.M1, part).bars)
            coverage.extend(spans_for_fetch(part, source.name, HORIZON))
            if total + len(bars) >= bars_wanted:
                break
        batches.append(Batch(bars, tuple(coverage)))
        total += len(bars)
        if total >= bars_wanted:
            return batches
    raise AssertionError(f"{FIRST_DAY}..{last_day} holds fewer than {bars_wanted} bars")


def _raw_rows(batch: Batch) -> list[tuple[object, ...]]:
    source = SyntheticSource.name
    return [
        (symbol, int(start.timestamp()), o, h, lo, c, v, vw, n, 0, source)
        for symbol, _timeframe, start, o, h, lo, c, v, vw, n in batch.bars
    ]


def write_chronox(repository: SqliteRepository, batches: list[Batch]) -> None:
    for batch in batches:
        valid, _rejected = split_valid(batch.bars)
        repository.write(
            BarBatch(
                symbol=SYMBOL,
                timeframe=Timeframe.M1,
                bars=valid,
                source=SyntheticSource.name,
                provisional_from=HORIZON,
                coverage=batch.coverage,
            )
        )


def write_raw(database: SqliteDatabase, row_batches: list[list[tuple[object, ...]]]) -> None:
    connection = database.connection
    for rows in row_batches:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(_RAW_INSERT, rows)
        connection.execute("COMMIT")


def _stored(database: SqliteDatabase) -> list[tuple[object, ...]]:
    return database.connection.execute(
        f"SELECT * FROM {BAR_TABLES[Timeframe.M1]} ORDER BY symbol, start"
    ).fetchall()


@dataclass(frozen=True, slots=True)
class IngestTimings:
    bars: int
    batches: int
    write: Comparison
    rewrite: Comparison


def time_ingest(batches: list[Batch], repeats: int) -> IngestTimings:
    """Each repeat: two fresh files; the raw insert and the chronox write (taking turns
    at going first), then the chronox re-write."""
    row_batches = [_raw_rows(batch) for batch in batches]
    count = sum(len(rows) for rows in row_batches)
    raw: list[float] = []
    chronox: list[float] = []
    rewrite: list[float] = []
    with tempfile.TemporaryDirectory(prefix="chronox-bench-") as folder:
        for repeat in range(repeats):
            raw_db = SqliteDatabase(str(Path(folder) / f"raw-{repeat}.sqlite3"))
            chronox_db = SqliteDatabase(str(Path(folder) / f"chronox-{repeat}.sqlite3"))
            repository = SqliteRepository(chronox_db)
            try:
                if repeat % 2 == 0:
                    raw.append(stopwatch(partial(write_raw, raw_db, row_batches)))
                chronox.append(stopwatch(partial(write_chronox, repository, batches)))
                rewrite.append(stopwatch(partial(write_chronox, repository, batches)))
                if repeat % 2 == 1:
                    raw.append(stopwatch(partial(write_raw, raw_db, row_batches)))
                if repeat == 0:
                    # Correctness, not timing: both paths stored exactly the same rows,
                    # and the re-write changed none of them.
                    stored = _stored(chronox_db)
                    assert len(stored) == count, (len(stored), count)
                    assert stored == _stored(raw_db), "chronox and raw stored different rows"
            finally:
                raw_db.close()
                chronox_db.close()
    baseline = Timing(tuple(raw))
    return IngestTimings(
        count,
        len(batches),
        Comparison(baseline, Timing(tuple(chronox))),
        Comparison(baseline, Timing(tuple(rewrite))),
    )


def figures(timings: IngestTimings) -> list[Figure]:
    n = timings.bars
    raw = timings.write.baseline.median
    chronox, rewrite = timings.write.chronox.median, timings.rewrite.chronox.median
    baseline = f"raw executemany: {seconds(raw)} ({rate(n, raw, 'bars')})"
    ratio = timings.write.slowdown
    data = {
        "bars": n,
        "batches": timings.batches,
        "raw_s": raw,
        "chronox_s": chronox,
        "rewrite_s": rewrite,
    }
    return [
        Figure(
            benchmark="ingest",
            what=f"write {n:,} new 1m bars ({timings.batches} batches)",
            baseline=baseline,
            chronox=f"{seconds(chronox)} ({rate(n, chronox, 'bars')})",
            ratio=ratio,
            ratio_label="the raw time",
            target=f"<= {TARGET_RATIO:.1f}x",
            met=ratio <= TARGET_RATIO,
            data=data,
        ),
        Figure(
            benchmark="ingest",
            what=f"re-write the same {n:,} bars (all conflicts, nothing changes)",
            baseline=baseline,
            chronox=f"{seconds(rewrite)} ({rate(n, rewrite, 'bars')})",
            ratio=timings.rewrite.slowdown,
            ratio_label="the raw time",
            target="none (reported)",
            met=None,
            data=data,
        ),
    ]


def run(calendar: TradingCalendar, bars: int, repeats: int) -> list[Figure]:
    return figures(time_ingest(generate(calendar, bars), repeats))
