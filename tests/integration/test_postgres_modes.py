"""How chronox picks plain or TimescaleDB mode, through the real ``chronox-cli``.

The interesting server is the one with the timescaledb files installed but not in
``shared_preload_libraries`` (CI's main cluster on 5432 once ``.ci/run`` has installed the
build). There ``CREATE EXTENSION timescaledb`` is a FATAL error that ends the session: it
used to kill the migration's connection, and every command then failed with "internal
error: OperationalError: the connection is closed". Now chronox reads the catalogs
first, creates the store in plain mode, says so once at WARNING with the fix, and
``db status`` tells the whole truth. The TimescaleDB server (CHRONOX_TEST_TIMESCALE) is
checked the same way: created in timescale mode, by one of several racing migrations.

Every command runs in a process of its own, with no CHRONOX_* setting but the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from chronox_adapters.timescale.migrate import load_migrations, preloads_timescale
from tests.conftest import fresh_database, unavailable

pytestmark = pytest.mark.integration

LATEST = len(load_migrations())
PRELOAD = "shared_preload_libraries = 'timescaledb'"


def chronox(
    tmp_path: Path, *args: str, mode: str | None = None, **settings: str
) -> subprocess.Popen[str]:
    """``settings``: CHRONOX_* variables by their lower-case names (``auto_migrate=...``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHRONOX_", "POLYGON_"))}
    env.pop("MASSIVE_API_KEY", None)
    if mode is not None:
        env["CHRONOX_PG_MODE"] = mode
    env.update({f"CHRONOX_{name.upper()}": value for name, value in settings.items()})
    return subprocess.Popen(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", *args],
        cwd=tmp_path,  # no stray .env
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


Outcome = tuple[int, str, list[str]]  # exit code, stdout, the non-blank lines of stderr


def finish(process: subprocess.Popen[str]) -> Outcome:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, [line for line in err.splitlines() if line.strip()]


def run(tmp_path: Path, *args: str, mode: str | None = None, **settings: str) -> Outcome:
    return finish(chronox(tmp_path, *args, mode=mode, **settings))


def run_many(tmp_path: Path, count: int, *args: str) -> list[Outcome]:
    """``count`` processes started together (they race for the migration lock)."""
    return [finish(process) for process in [chronox(tmp_path, *args) for _ in range(count)]]


def warnings_of(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("WARNING")]


def schema_rows(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version, mode FROM chronox_schema ORDER BY version")
        return [(int(v), str(m)) for v, m in rows.fetchall()]


def test_an_outdated_schema_without_auto_migrate_says_what_to_run(
    pg_url: str, tmp_path: Path
) -> None:
    # The store says what is wrong; the CLI adds its own advice (an API client would
    # be told the same problem without a command it cannot run).
    with fresh_database(pg_url) as url:
        code, _, err = run(tmp_path, "info", "--store", url, auto_migrate="false")
        assert code == 4, err
        assert len(err) == 1, err
        assert "is not up to date" in err[0]
        assert "CHRONOX_AUTO_MIGRATE=false" in err[0]
        assert err[0].endswith("(apply the migrations with: chronox-cli db migrate)")
        assert run(tmp_path, "db", "migrate", "--store", url)[0] == 0
        assert run(tmp_path, "info", "--store", url, auto_migrate="false")[0] == 0


# --- the plain server with the extension installed but not preloaded ---------------


@pytest.fixture(scope="module")
def unpreloaded_server(pg_url: str) -> str:
    """The run's plain server, which must have timescaledb installed but not preloaded."""
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT (SELECT default_version FROM pg_available_extensions"
            "        WHERE name = 'timescaledb'), current_setting('shared_preload_libraries')"
        ).fetchone()
    assert row is not None
    if row[0] is None or preloads_timescale(str(row[1])):
        unavailable(
            "PostgreSQL with timescaledb installed but not preloaded",
            f"the server of CHRONOX_TEST_PG has timescaledb files: {row[0] or 'none'}, "
            f"shared_preload_libraries = {row[1]!r} (.ci/run installs ../shared/timescaledb)",
        )
    return pg_url


@pytest.fixture
def unpreloaded_db(unpreloaded_server: str) -> Iterator[str]:
    with fresh_database(unpreloaded_server) as url:
        yield url


def test_every_command_works_in_plain_mode_where_timescaledb_is_not_preloaded(
    unpreloaded_db: str, tmp_path: Path
) -> None:
    store = ("--store", unpreloaded_db)
    code, out, err = run(tmp_path, "db", "status", "--json", *store)
    assert (code, err) == (0, [])
    before = json.loads(out)
    assert before["kind"] == "not created" and before["mode_in_use"] is None
    assert before["mode_on_migrate"] == "plain"
    facts = before["timescaledb"]
    assert (facts["available"], facts["preloaded"], facts["created"]) == (True, False, False)
    assert PRELOAD in facts["hint"]

    code, out, err = run(tmp_path, "db", "migrate", *store)
    assert code == 0, err
    # Said once, at WARNING, with what to do; nothing else on stderr.
    assert len(err) == 1 and err[0].startswith("WARNING") and PRELOAD in err[0], err
    assert "restart" in err[0]
    assert "(plain)" in out and f"version {LATEST} of {LATEST}" in out

    code, out, err = run(
        tmp_path, "ingest", "SPY", "--start", "2024-01-02", "--end", "2024-01-05", *store
    )
    assert (code, err) == (0, []), err
    assert "bars written:" in out

    code, out, err = run(tmp_path, "db", "status", *store)
    assert (code, err) == (0, [])
    assert "(plain)" in out and "not preloaded" in out and PRELOAD in out
    code, out, err = run(tmp_path, "db", "status", "--json", *store)
    after = json.loads(out)
    assert (after["kind"], after["mode_in_use"], after["version"]) == ("plain", "plain", LATEST)
    assert after["timescaledb"]["created"] is False
    assert schema_rows(unpreloaded_db) == [(v, "plain") for v in range(1, LATEST + 1)]


def test_four_concurrent_migrations_serialise_in_plain_mode(
    unpreloaded_db: str, tmp_path: Path
) -> None:
    results = run_many(tmp_path, 4, "db", "migrate", "--json", "--store", unpreloaded_db)
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    for _, out, err in results:
        report = json.loads(out)
        assert (report["kind"], report["version"], report["pending"]) == ("plain", LATEST, [])
        assert [line for line in err if not line.startswith("WARNING")] == []
    # The mode is chosen once, by whichever process got the lock first.
    assert len([w for _, _, err in results for w in warnings_of(err)]) == 1
    assert schema_rows(unpreloaded_db) == [(v, "plain") for v in range(1, LATEST + 1)]


def test_forcing_timescale_mode_there_is_one_line_and_exit_4(
    unpreloaded_db: str, tmp_path: Path
) -> None:
    code, out, err = run(tmp_path, "db", "migrate", "--store", unpreloaded_db, mode="timescale")
    assert code == 4 and out == ""
    assert len(err) == 1 and err[0].startswith("error: CHRONOX_PG_MODE=timescale"), err
    assert PRELOAD in err[0] and "restart" in err[0]
    with psycopg.connect(unpreloaded_db) as conn:  # nothing was created
        row = conn.execute("SELECT to_regclass('chronox_schema')").fetchone()
    assert row == (None,)


# --- the TimescaleDB server -----------------------------------------------------------


@pytest.fixture
def timescale_db(timescale_url: str) -> Iterator[str]:
    with fresh_database(timescale_url) as url:
        yield url


def test_db_status_tells_the_truth_on_timescaledb(timescale_db: str, tmp_path: Path) -> None:
    store = ("--store", timescale_db)
    code, out, err = run(tmp_path, "db", "status", "--json", *store)
    assert (code, err) == (0, [])
    before = json.loads(out)
    assert (before["mode_in_use"], before["mode_on_migrate"]) == (None, "timescale")
    facts = before["timescaledb"]
    assert (facts["available"], facts["preloaded"], facts["created"]) == (True, True, False)
    assert facts["hint"] is None

    code, out, err = run(tmp_path, "db", "migrate", "--json", *store)
    assert (code, err) == (0, [])
    after = json.loads(out)
    assert (after["kind"], after["mode_in_use"], after["version"]) == (
        "timescale",
        "timescale",
        LATEST,
    )
    assert after["timescaledb"]["created_version"] == facts["available_version"]
    code, out, err = run(tmp_path, "db", "status", *store)
    assert "(timescale)" in out and "preloaded, created" in out and "hint" not in out


def test_four_concurrent_migrations_create_one_timescale_store(
    timescale_db: str, tmp_path: Path
) -> None:
    results = run_many(tmp_path, 4, "db", "migrate", "--json", "--store", timescale_db)
    assert [(code, err) for code, _, err in results] == [(0, [])] * 4, results
    for _, out, _ in results:
        assert json.loads(out)["kind"] == "timescale"
    assert schema_rows(timescale_db) == [(v, "timescale") for v in range(1, LATEST + 1)]
    with psycopg.connect(timescale_db) as conn:
        row = conn.execute("SELECT count(*) FROM timescaledb_information.hypertables").fetchone()
    assert row == (5,)


# --- an ordinary role: shared_preload_libraries is hidden from it --------------------


@pytest.fixture(params=["postgresql", "timescale"])
def own_database(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(URL, expected mode) of a database owned by a new role that is no superuser."""
    fixture = "unpreloaded_server" if request.param == "postgresql" else "timescale_url"
    admin_url = request.getfixturevalue(fixture)
    role = f"chronox_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
        admin.execute(f"CREATE DATABASE {role} OWNER {role}")
        try:
            parts = urlsplit(admin_url)
            where = f"{parts.hostname}:{parts.port or 5432}"
            url = urlunsplit(parts._replace(netloc=f"{role}@{where}", path=f"/{role}"))
            yield url, ("plain" if request.param == "postgresql" else "timescale")
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_an_ordinary_role_gets_the_right_mode(
    own_database: tuple[str, str], tmp_path: Path
) -> None:
    url, mode = own_database
    code, out, err = run(tmp_path, "db", "status", "--json", "--store", url)
    assert (code, err) == (0, []), err
    facts = json.loads(out)["timescaledb"]
    assert facts["preloaded"] is (mode == "timescale")
    code, out, err = run(tmp_path, "db", "migrate", "--json", "--store", url)
    assert code == 0, err
    assert json.loads(out)["kind"] == mode
    assert len(warnings_of(err)) == (1 if mode == "plain" else 0)


# --- the setting itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "preloaded"),
    [
        ("", False),
        ("timescaledb", True),
        ("pg_stat_statements, timescaledb", True),
        ('"timescaledb"', True),
        ("$libdir/timescaledb.so", True),
        ("timescaledb_toolkit", False),
        ("pg_stat_statements", False),
    ],
)
def test_shared_preload_libraries_is_read_as_a_list(setting: str, preloaded: bool) -> None:
    assert preloads_timescale(setting) is preloaded
