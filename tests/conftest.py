"""Shared fixtures: the real XNYS calendar (built once), a fixed clock, and the
application's container (``stack``) on the memory store with whatever a test fakes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, settings

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_domain.ports import Clock, TradingCalendar
from chronox_entrypoints.container import Container, bootstrap
from chronox_entrypoints.settings import Settings

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



@pytest.fixture(scope="session", autouse=True)
def private_user_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the user's own default store (platformdirs' data folder,
    ~/.local/share/chronox): a command run with no --store in a test, or in a process it
    starts, finds a folder of this run's. A store left there by another checkout, at a
    newer schema, failed such a test ("newer than this chronox understands")."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))
        yield


@pytest.fixture(scope="session")
def calendar() -> ExchangeCalendar:
    return ExchangeCalendar("XNYS")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def hermetic_settings(**values: Any) -> Settings:
    """Settings for a test container: the memory store, the synthetic source, the
    in-process bus and a settle delay of SETTLE, whatever the environment or a ``.env``
    says; ``values`` on top (``settle_minutes=0``, ``empty_recheck_hours=0``...)."""
    defaults: dict[str, Any] = {
        "store": "memory://",
        "source": "synthetic",
        "redis_url": "",
        "settle_minutes": SETTLE // timedelta(minutes=1),
    }
    return Settings(_env_file=None, **{**defaults, **values})  # type: ignore[call-arg]


class Stack:
    """Builds containers for one test (``stack(source=MemorySource(bars))``), on the
    session's calendar and the test's fixed clock unless told otherwise; their resources
    are closed when the test ends."""

    def __init__(self, calendar: TradingCalendar, clock: Clock) -> None:
        self.calendar = calendar
        self.clock = clock
        self._built: list[Container] = []

    def __call__(self, settings: Settings | None = None, **fakes: Any) -> Container:
        fakes = {"calendar": self.calendar, "clock": self.clock, **fakes}
        container = bootstrap(settings or hermetic_settings(), **fakes)
        self._built.append(container)
        return container

    def close(self) -> None:
        for container in self._built:
            container.shutdown_resources()


@pytest.fixture
def stack(calendar: ExchangeCalendar, clock: FixedClock) -> Iterator[Stack]:
    built = Stack(calendar, clock)
    yield built
    built.close()


# --- PostgreSQL: a throwaway database per test run ---------------------------------

#: The plain PostgreSQL server (CI: the machine's main cluster, which has the timescaledb
#: files installed but does not preload them).
PG_ADMIN_URL = os.environ.get("CHRONOX_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
#: An admin URL of a server that preloads timescaledb (CI: the private cluster that
#: ``.ci/run`` starts). Unset: the TimescaleDB tests are skipped, except in CI.
TIMESCALE_ADMIN_URL = os.environ.get("CHRONOX_TEST_TIMESCALE", "")


def unavailable(what: str, reason: str) -> None:
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
        unavailable("PostgreSQL", str(exc).splitlines()[0])
    name = f"chronox_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(PG_ADMIN_URL, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def fresh_database(run_url: str) -> Iterator[str]:
    """An empty database beside the run's throwaway one (on its server), dropped afterwards."""
    import psycopg

    name = f"{database_of(run_url)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(run_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(run_url, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def timescale_url() -> Iterator[str]:
    """A throwaway database on the TimescaleDB server (``CHRONOX_TEST_TIMESCALE``)."""
    import psycopg

    if not TIMESCALE_ADMIN_URL:
        unavailable(
            "TimescaleDB",
            "CHRONOX_TEST_TIMESCALE is not set (an admin URL of a server that preloads "
            "timescaledb, e.g. postgresql://postgres@127.0.0.1:5433/postgres; .ci/run starts one)",
        )
    try:
        admin = psycopg.connect(TIMESCALE_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        unavailable("TimescaleDB", f"{TIMESCALE_ADMIN_URL}: {str(exc).splitlines()[0]}")
    with admin:
        row = admin.execute(
            "SELECT current_setting('shared_preload_libraries'),"
            " (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb')"
        ).fetchone()
        assert row is not None
        from chronox_adapters.timescale.migrate import preloads_timescale

        if not preloads_timescale(str(row[0])) or row[1] is None:
            unavailable(
                "TimescaleDB",
                f"the server at {TIMESCALE_ADMIN_URL} does not preload timescaledb "
                f"(shared_preload_libraries = {row[0]!r}, extension files: {row[1] or 'none'})",
            )
        name = f"chronox_ts_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(TIMESCALE_ADMIN_URL, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
