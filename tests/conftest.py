"""Shared fixtures: the real XNYS calendar (built once), a fixed clock, memory stacks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, settings

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock

# A fixed profile for CI (derandomized: the same examples every run) and a quicker,
# randomised one for local runs. CHRONOX_HYPOTHESIS_PROFILE picks one explicitly.
settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(
    os.environ.get("CHRONOX_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

#: "Now" for tests: long after the 2024 days the examples use, so they are settled.
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
SETTLE = timedelta(hours=1)


@pytest.fixture(scope="session")
def calendar() -> ExchangeCalendar:
    return ExchangeCalendar("XNYS")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


# --- PostgreSQL: a throwaway database per test run ---------------------------------

PG_ADMIN_URL = os.environ.get("CHRONOX_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _unavailable(what: str, reason: str) -> None:
    """Outside CI a missing service skips its tests, visibly; in CI it fails them."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI and is not reachable: {reason}")
    pytest.skip(f"{what} not reachable: {reason}")


def with_database(url: str, name: str) -> str:
    """``url`` (a postgresql:// URL) pointing at database ``name`` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", str(exc).splitlines()[0])
    name = f"chronox_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(PG_ADMIN_URL, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
