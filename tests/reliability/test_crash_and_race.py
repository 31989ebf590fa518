"""Attacks kept as tests: an ingest SIGKILLed at random moments, and racing writers.

The invariant is the ledger's: a window is never covered without its bars. After a kill
the store holds a prefix of the complete ingest (each request's bars and coverage in one
transaction), so every covered slot without a bar is a hole the complete store has too;
a re-run completes the store exactly. Racing ingests of one series duplicate nothing and
lose nothing. Loopback only; every process is bounded in time.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import fresh_database

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: A year of 1m regular-hours bars from the synthetic source: 5 requests, a few seconds.
RANGE = ("--start", "2024-01-02", "--end", "2024-12-31")
KILL_MOMENTS = 3
PROCESS_SECONDS = 120


@dataclass(frozen=True)
class Store:
    url: str

    def cli(self, *args: str, timeout: float = PROCESS_SECONDS) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
            env=_env(self.url),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
            env=_env(self.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def bars(self) -> list[str]:
        done = self.cli("bars", "SPY", *RANGE, "--format", "csv")
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[1:]

    def holes(self) -> set[tuple[str, str]]:
        done = self.cli("gaps", "SPY", *RANGE, "--holes", "--json")
        assert done.returncode == 0, done.stderr
        return {(w["start"], w["end"]) for w in json.loads(done.stdout) if w["kind"] == "hole"}

    def gaps(self) -> list[object]:
        done = self.cli("gaps", "SPY", *RANGE, "--json")
        assert done.returncode == 0, done.stderr
        return list(json.loads(done.stdout))


def _env(store: str) -> dict[str, str]:
    env = {**os.environ, "CHRONOX_STORE": store, "CHRONOX_LOG_LEVEL": "ERROR"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_REDIS_URL", "CHRONOX_SOURCE"):
        env.pop(name, None)
    return env


@dataclass(frozen=True)
class Complete:
    bars: list[str]
    holes: set[tuple[str, str]]


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Complete:
    """The store an uninterrupted ingest makes: what every other store must end up as."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('complete') / 'complete.sqlite3'}")
    done = store.cli("ingest", "SPY", *RANGE)
    assert done.returncode == 0, done.stderr
    return Complete(store.bars(), store.holes())


@contextmanager
def store_of(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    if kind == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        return
    with fresh_database(request.getfixturevalue("pg_url")) as url:
        yield Store(url)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_ingest_killed_at_random_moments_never_covers_a_window_without_its_bars(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, complete: Complete
) -> None:
    moments = random.Random(f"kill-{kind}")  # the same moments every run: reproducible
    with store_of(kind, tmp_path, request) as store:
        for _ in range(KILL_MOMENTS):
            ingest = store.start("ingest", "SPY", *RANGE)
            time.sleep(moments.uniform(0.8, 4.0))
            ingest.kill()  # SIGKILL: no cleanup, no rollback by us
            ingest.communicate(timeout=PROCESS_SECONDS)

            stored = store.bars()
            assert set(stored) <= set(complete.bars)  # nothing torn, nothing invented
            assert len(stored) == len(set(stored))
            # A covered slot without a bar is a hole of the complete store, never a window
            # recorded as answered whose bars were lost with the process.
            assert store.holes() <= complete.holes

        done = store.cli("ingest", "SPY", *RANGE)
        assert done.returncode == 0, done.stderr
        assert store.bars() == complete.bars
        assert store.holes() == complete.holes
        assert store.gaps() == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_four_racing_ingests_of_one_series_duplicate_and_lose_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, complete: Complete
) -> None:
    with store_of(kind, tmp_path, request) as store:
        migrated = store.cli("db", "migrate") if kind == "postgresql" else None
        assert migrated is None or migrated.returncode == 0, migrated and migrated.stderr
        racers = [store.start("ingest", "SPY", *RANGE, "--json") for _ in range(4)]
        results = [racer.communicate(timeout=PROCESS_SECONDS) for racer in racers]
        for racer, (_, err) in zip(racers, results, strict=True):
            assert racer.returncode == 0, err
        written = sum(json.loads(out)["bars_written"] for out, _ in results)
        assert written >= len(complete.bars)  # every bar written at least once, all told
        assert store.bars() == complete.bars  # and stored exactly once
        assert store.gaps() == []
