"""Running ``chronox-cli`` in-process through its real error boundary."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chronox_entrypoints.cli.main import main
from tests.conftest import _unavailable, database_of, with_database


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

    def __call__(self, *args: str, store: bool = True) -> Result:
        argv = list(args) + (["--store", self.store] if store else [])
        self._capsys.readouterr()
        try:
            main(argv)
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cli]:
    """The CLI against an empty store of each kind: every command must work on both."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "POLYGON_API_KEY", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        yield Cli(capsys, f"sqlite:///{tmp_path / 'store.sqlite3'}")
        return
    with fresh_database(request.getfixturevalue("pg_url")) as url:
        yield Cli(capsys, url)


@contextmanager
def fresh_database(run_url: str) -> Iterator[str]:
    """An empty database beside the run's throwaway one, dropped afterwards."""
    import psycopg

    name = f"{database_of(run_url)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(run_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(run_url, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable("Redis", str(exc).splitlines()[0])
    prefix = f"chronox-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("CHRONOX_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CHRONOX_REDIS_PREFIX", prefix)
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
