"""Reads never wait for a writer on PostgreSQL, nor writers for a reader: a batch that
needs a new yearly partition (plain mode) creates it outside its own transaction, with
a lock that neither reads nor writes of the bars table conflict with."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from chronox_adapters.timescale import PostgresStore, open_postgres
from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

NEW_YEAR = datetime(2031, 1, 2, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def db_url(pg_url: str) -> Iterator[str]:
    with fresh_database(pg_url) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[PostgresStore]:
    opened = open_postgres(db_url, prefer="plain", max_size=4)
    yield opened
    opened.close()


def batch_in_a_new_year(minutes: int = 30) -> BarBatch:
    bars = [
        Bar("SPY", Timeframe.M1, NEW_YEAR + i * MINUTE, 10.0, 11.0, 9.0, 10.5, 100.0)
        for i in range(minutes)
    ]
    span = CoverageSpan(Interval(NEW_YEAR, NEW_YEAR + minutes * MINUTE), CoverageStatus.FINAL, "t")
    return BarBatch("SPY", Timeframe.M1, bars, "t", None, (span,))


def wait_for_a_blocked_chronox_backend(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as admin:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'chronox' "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the writer never got to wait on the held row")


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHRONOX_STORE": db_url, "CHRONOX_SOURCE": "synthetic"}
    return subprocess.run(
        ["chronox-cli", *args], env=env, capture_output=True, text=True, timeout=15
    )


def test_reads_do_not_wait_for_a_batch_that_made_a_new_partition(
    store: PostgresStore, db_url: str
) -> None:
    # The batch's ledger merge will wait on a row another transaction holds, so the
    # batch stays open after it has made its year's partition and written its bars.
    store.repository.write(replace(batch_in_a_new_year(), bars=[]))
    holder = psycopg.connect(db_url)
    holder.execute("UPDATE coverage SET source = source WHERE symbol = 'SPY'")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            store.repository.write(batch_in_a_new_year())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for_a_blocked_chronox_backend(db_url)
        for command in (
            ["bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-26"],
            ["gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-26"],
        ):
            started = time.monotonic()
            answer = cli(db_url, *command)
            assert answer.returncode == 0, answer.stderr
            assert time.monotonic() - started < 8.0
    finally:
        holder.rollback()
        holder.close()
        writer.join()
    assert errors == []
    assert (
        len(
            store.repository.bar_starts(
                "SPY", Timeframe.M1, Interval(NEW_YEAR, NEW_YEAR + 60 * MINUTE)
            )
        )
        == 30
    )


def test_a_batch_for_a_new_year_does_not_wait_for_a_reader(
    store: PostgresStore, db_url: str
) -> None:
    reader = psycopg.connect(db_url)  # a slow consumer, mid-way through reading bars
    reader.execute("SELECT count(*) FROM bars_1m").fetchone()
    try:
        started = time.monotonic()
        assert store.repository.write(batch_in_a_new_year()) == 30
        assert time.monotonic() - started < 5.0
    finally:
        reader.rollback()
        reader.close()
