"""TimescaleDB mode: hypertables, compression, continuous aggregates, upserts into
compressed chunks, mode detection and concurrent migrations.

Point ``CHRONOX_TEST_TIMESCALE`` at an admin URL of a server that preloads timescaledb
(e.g. ``postgresql://postgres@127.0.0.1:5433/postgres``; ``.ci/run`` starts one). Unset,
these tests are skipped with that reason; in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from chronox_adapters.timescale import PostgresStore, open_postgres, server_support
from chronox_domain import (
    Bar,
    BarBatch,
    CoverageSpan,
    CoverageStatus,
    Interval,
    SessionKind,
    Timeframe,
)
from chronox_domain.rollup import roll_up
from chronox_domain.services import IngestRequest
from tests.conftest import Stack, fresh_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def module_db(timescale_url: str) -> Iterator[str]:
    """A database of this module's own on the TimescaleDB server, without the extension:
    the first migration must create it."""
    with fresh_database(timescale_url) as url:
        yield url


@pytest.fixture(scope="module")
def store(module_db: str) -> Iterator[PostgresStore]:
    assert server_support(module_db).created is None
    opened = open_postgres(module_db)
    yield opened
    opened.close()


def scalar(store: PostgresStore, sql: str, *params: object) -> object:
    with store.pool.connection() as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def test_the_store_is_created_in_timescale_mode(store: PostgresStore) -> None:
    assert store.mode == "timescale"
    hypertables = scalar(
        store,
        "SELECT array_agg(hypertable_name::text ORDER BY hypertable_name) "
        "FROM timescaledb_information.hypertables",
    )
    assert hypertables == ["bars_15m", "bars_1d", "bars_1h", "bars_1m", "bars_5m"]


def test_bars_are_compressed_by_symbol_with_a_policy(store: PostgresStore) -> None:
    segment_by = scalar(
        store,
        "SELECT attname FROM timescaledb_information.compression_settings "
        "WHERE hypertable_name = 'bars_1m' AND segmentby_column_index = 1",
    )
    assert segment_by == "symbol"
    policies = scalar(
        store,
        "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'",
    )
    assert policies == 5


def test_continuous_aggregates_roll_up_like_the_domain(
    store: PostgresStore, module_db: str, stack: Stack
) -> None:
    request = IngestRequest(
        ("CAGG",), Timeframe.M1, SessionKind.RTH, date(2024, 11, 25), date(2024, 11, 27)
    )
    stack(store=store).ingestion().ingest(request)  # synthetic minutes into TimescaleDB
    window = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 28, tzinfo=UTC))
    minutes = list(store.repository.bars("CAGG", Timeframe.M1, window))
    for timeframe in (Timeframe.M5, Timeframe.M15, Timeframe.H1):
        with psycopg.connect(module_db, autocommit=True) as conn:
            conn.execute(
                f"CALL refresh_continuous_aggregate('bars_{timeframe.value}_rollup', NULL, NULL)"
            )
        from_sql = list(store.rollups.rolled_up("CAGG", timeframe, window, []))
        expected = list(roll_up(minutes, timeframe))
        assert [b[:8] for b in from_sql] == [b[:8] for b in expected]


def test_a_correction_lands_in_a_compressed_chunk(store: PostgresStore, module_db: str) -> None:
    start = datetime(2023, 3, 1, 15, tzinfo=UTC)
    bars = [
        Bar("COMP", Timeframe.M1, start + timedelta(minutes=i), 10, 11, 9, 10.5, 100)
        for i in range(60)
    ]
    span = CoverageSpan(Interval(start, start + timedelta(hours=1)), CoverageStatus.FINAL, "t")
    store.repository.write(BarBatch("COMP", Timeframe.M1, bars, "t", None, (span,)))
    with psycopg.connect(module_db, autocommit=True) as conn:
        conn.execute(
            "SELECT compress_chunk(c, if_not_compressed => true) "
            "FROM show_chunks('bars_1m', older_than => TIMESTAMPTZ '2023-06-01') c"
        )
    corrected = bars[7]._replace(close=10.75)
    store.repository.write(BarBatch("COMP", Timeframe.M1, [corrected], "t", None, ()))
    window = Interval(start, start + timedelta(hours=1))
    stored = list(store.repository.bars("COMP", Timeframe.M1, window))
    assert len(stored) == 60 and stored[7].close == 10.75
