"""PostgreSQL under faults: a backend killed mid-batch, and two ingests racing.

Each test runs against the plain server (CHRONOX_TEST_PG, plain mode) and the
TimescaleDB one (CHRONOX_TEST_TIMESCALE, hypertables; skipped when unset, except in CI).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.synthetic import SyntheticSource
from chronox_adapters.timescale import PostgresStore, open_postgres
from chronox_adapters.timescale.bars import RETRIES, RETRY_BACKOFF
from chronox_domain import (
    Bar,
    BarBatch,
    CoverageSpan,
    CoverageStatus,
    Interval,
    SessionKind,
    StorageUnavailable,
    Timeframe,
)
from chronox_domain.services import IngestRequest
from chronox_entrypoints.container import Container
from tests.conftest import Stack

pytestmark = pytest.mark.integration

T0 = datetime(2024, 1, 2, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
BIG = 300_000


#: Store kind -> (the fixture of its server's throwaway database, the mode it is opened in).
SERVERS = {"postgresql": ("pg_url", "plain"), "timescale": ("timescale_url", "timescale")}


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(URL, mode) of the store kind under test."""
    fixture, mode = SERVERS[request.param]
    return request.getfixturevalue(fixture), mode


@pytest.fixture
def db_url(server: tuple[str, str]) -> str:
    """The throwaway database of the server under test."""
    return server[0]


@pytest.fixture
def mode(server: tuple[str, str]) -> str:
    return server[1]


@pytest.fixture
def store(db_url: str, mode: str) -> Iterator[PostgresStore]:
    opened = open_postgres(db_url, prefer=mode, max_size=4)
    assert opened.mode == mode
    with opened.pool.connection() as conn:
        conn.execute("TRUNCATE coverage, symbols, bars_1m, bars_5m, bars_15m, bars_1h, bars_1d")
    yield opened
    opened.close()


def big_batch(symbol: str = "KILL") -> BarBatch:
    bars = [
        Bar(symbol, Timeframe.M1, T0 + i * MINUTE, 10.0, 11.0, 9.0, 10.5, 100.0, 10.2, 3)
        for i in range(BIG)
    ]
    span = CoverageSpan(Interval(T0, T0 + BIG * MINUTE), CoverageStatus.FINAL, "test")
    return BarBatch(symbol, Timeframe.M1, bars, "test", None, (span,))


def stored_state(db_url: str, symbol: str) -> tuple[int, int]:
    with psycopg.connect(db_url) as conn:
        bars = conn.execute("SELECT count(*) FROM bars_1m WHERE symbol = %s", (symbol,)).fetchone()
        spans = conn.execute(
            "SELECT count(*) FROM coverage WHERE symbol = %s", (symbol,)
        ).fetchone()
    assert bars is not None and spans is not None
    return int(bars[0]), int(spans[0])


def kill_the_writer_when_busy(
    db_url: str, killed: list[int], until: threading.Event | None = None
) -> threading.Thread:
    """Terminates the chronox backend as soon as it is inside the batch's statements:
    once, or (``until`` given) every time it tries again, until ``until`` is set."""

    def hunt() -> None:
        deadline = time.monotonic() + 30
        with psycopg.connect(db_url, autocommit=True) as admin:
            while time.monotonic() < deadline and not (until.is_set() if until else killed):
                row = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'chronox' "
                    "AND state = 'active' AND query LIKE '%chronox_staging%' "
                    # Only this test's database: another run on the same server is not prey.
                    "AND datname = current_database()"
                ).fetchone()
                if row and int(row[0]) not in killed:
                    admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                    killed.append(int(row[0]))
                time.sleep(0.002)

    hunter = threading.Thread(target=hunt, daemon=True)
    hunter.start()
    return hunter


def test_a_batch_killed_at_every_attempt_leaves_nothing_and_the_pool_recovers(
    store: PostgresStore, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    batch = big_batch()
    killed: list[int] = []
    given_up = threading.Event()
    hunter = kill_the_writer_when_busy(db_url, killed, until=given_up)
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="PostgreSQL") as failure:
            store.repository.write(batch)
    finally:
        given_up.set()
        hunter.join()
    took = time.monotonic() - started
    assert "\n" not in str(failure.value)
    assert len(killed) > RETRIES, "the writer gave up early, or was never caught"
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == RETRIES
    # The domain's backoff between attempts (equal jitter): each pause at least half
    # of its step, and the steps double.
    steps = [min(RETRY_BACKOFF.cap, RETRY_BACKOFF.base * 2**n) for n in range(RETRIES)]
    assert took >= 0.5 * sum(steps)
    assert stored_state(db_url, "KILL") == (0, 0)
    # The pool replaces the dead connection; the very next batch succeeds whole.
    assert store.repository.write(batch) == BIG
    assert stored_state(db_url, "KILL") == (BIG, 1)


def test_a_batch_killed_midway_is_retried_whole(store: PostgresStore, db_url: str) -> None:
    killed: list[int] = []
    hunter = kill_the_writer_when_busy(db_url, killed)
    assert store.repository.write(big_batch()) == BIG
    hunter.join()
    assert killed
    assert stored_state(db_url, "KILL") == (BIG, 1)


def test_two_racing_ingests_of_one_symbol_lose_and_duplicate_nothing(
    db_url: str, mode: str, calendar: ExchangeCalendar, stack: Stack
) -> None:
    stores = [open_postgres(db_url, prefer=mode, max_size=2) for _ in range(2)]
    with stores[0].pool.connection() as conn:
        conn.execute("TRUNCATE coverage, bars_1m")
    request = IngestRequest(
        ("RACE",), Timeframe.M1, SessionKind.RTH, date(2024, 3, 1), date(2024, 3, 28)
    )
    errors: list[BaseException] = []

    def run(app: Container) -> None:
        try:
            app.ingestion().ingest(request)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    # One application per store; a small request size makes many interleaved batches.
    apps = [stack(store=s, source=SyntheticSource(calendar, max_bars=700)) for s in stores]
    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    expected = list(
        SyntheticSource(calendar)
        .fetch(
            "RACE",
            Timeframe.M1,
            Interval(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 29, tzinfo=UTC)),
        )
        .bars
    )
    sessions = calendar.sessions(date(2024, 3, 1), date(2024, 3, 28), SessionKind.RTH)
    in_rth = [b for b in expected if any(s.open <= b.start < s.close for s in sessions)]
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT count(*), count(DISTINCT start) FROM bars_1m WHERE symbol = 'RACE'"
        ).fetchone()
    assert rows == (len(in_rth), len(in_rth))
    coverage = apps[0].coverage()
    assert (
        coverage.gaps(["RACE"], Timeframe.M1, SessionKind.RTH, date(2024, 3, 1), date(2024, 3, 28))
        == []
    )
    assert len(stores[0].repository.coverage("RACE", Timeframe.M1)) == len(sessions)
    for store in stores:
        store.close()
