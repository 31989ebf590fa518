"""Running ``chronox-cli`` in-process through its real error boundary."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chronox_entrypoints.cli.main import main
from tests.conftest import fresh_database, unavailable


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Calls ``main(argv)`` against one throwaway store, capturing what a user sees."""

    def __init__(self, capsys: pytest.CaptureFixture[str], store: str) -> None:
        self._capsys = capsys
        self.store = store

    def __call__(self, *args: str, store: bool = True, container: Any = None) -> Result:
        """``container``: run on this application (``bootstrap`` with fakes) instead of
        the one the command builds."""
        argv = list(args) + (["--store", self.store] if store else [])
        self._capsys.readouterr()
        try:
            main(argv, container)
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


#: The stores every CLI test runs against. ``postgresql`` is the plain server (its store
#: forced to plain mode, so the param means what it says wherever the server runs);
#: ``timescale`` the TimescaleDB one (CHRONOX_TEST_TIMESCALE), for a representative
#: subset only: TIMESCALE_SUBSET, by module (``None``: every test of the module).
STORE_KINDS = ("sqlite", "postgresql", "timescale")
TIMESCALE_SUBSET: dict[str, set[str] | None] = {
    "test_cli_ingest_and_gaps": None,
    "test_cli_registry_bars_info": None,
    "test_cli_polygon": {
        "test_ingest_stores_exactly_the_bars_the_vendor_served",
        "test_a_new_split_fetches_no_history_again",
    },
    "test_adjust_on_read": {"test_bars_are_fetched_raw_and_read_on_each_basis"},
    "test_api": {"test_backfill_job_then_bars_gaps_and_coverage"},
    "test_cli_errors": {"test_a_store_that_cannot_be_opened"},
    "test_notebook_facade": {
        "test_bars_are_the_stores_bars",
        "test_timeframes_never_fetched_are_rolled_up",
    },
    "test_cli_export": {"test_a_rerun_writes_only_the_partitions_whose_content_changed"},
}
PG_MODES = {"postgresql": "plain", "timescale": "timescale"}


def store_kinds_for(module: str, test: str) -> list[str]:
    names = TIMESCALE_SUBSET.get(module.rsplit(".", 1)[-1], set())
    wanted = names is None or test in names
    return [kind for kind in STORE_KINDS if kind != "timescale" or wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cli" in metafunc.fixturenames:
        kinds = store_kinds_for(metafunc.module.__name__, metafunc.function.__name__)
        metafunc.parametrize("cli", kinds, indirect=True)


@pytest.fixture
def cli(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cli]:
    """The CLI against an empty store of each kind: every command must work on each."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "POLYGON_API_KEY", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        yield Cli(capsys, f"sqlite:///{tmp_path / 'store.sqlite3'}")
        return
    monkeypatch.setenv("CHRONOX_PG_MODE", PG_MODES[request.param])
    server = "pg_url" if request.param == "postgresql" else "timescale_url"
    with fresh_database(request.getfixturevalue(server)) as url:
        yield Cli(capsys, url)


@pytest.fixture
def sqlite_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """The CLI against one SQLite file, with no CHRONOX_ or vendor variable of the
    developer's: for what does not depend on the store."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("CHRONOX_") or name in ("POLYGON_API_KEY", "MASSIVE_API_KEY"):
            monkeypatch.delenv(name)
    return Cli(capsys, f"sqlite:///{tmp_path / 'store.sqlite3'}")


REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", str(exc).splitlines()[0])
    prefix = f"chronox-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("CHRONOX_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CHRONOX_REDIS_PREFIX", prefix)
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
