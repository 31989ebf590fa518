"""A damaged SQLite store: one line naming the file, exit 4 (503 from the API), on every
command, never an internal error or a traceback."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.cli.main import main
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_errors import one_line_error

DAY = ("--start", "2024-11-25", "--end", "2024-11-25")


@pytest.fixture(scope="module")
def healthy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store, written by the CLI: SPY registered, one day of its bars ingested."""
    path = tmp_path_factory.mktemp("healthy") / "store.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("CHRONOX_") or name in ("POLYGON_API_KEY", "MASSIVE_API_KEY"):
                patch.delenv(name)
        patch.chdir(path.parent)
        for argv in (["registry", "add", "SPY"], ["ingest", "SPY", *DAY]):
            try:
                main([*argv, "--store", f"sqlite:///{path}"])
            except SystemExit as done:
                assert not done.code, argv
    return path


def _overwrite_every_table(path: Path) -> None:
    """Garbage over the root page of every table and index but the schema version's: the
    file still opens (and migrates) fine, and the first read of any table finds the damage."""
    with sqlite3.connect(path) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            root
            for (root,) in db.execute(
                "SELECT rootpage FROM sqlite_master "
                "WHERE tbl_name != 'schema_version' AND rootpage > 1"
            )
        ]
    db.close()
    with path.open("r+b") as file:
        for root in roots:
            file.seek((root - 1) * page)
            file.write(b"\xa5" * page)


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


def _truncated_mid_page(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2 + 100)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "tables_overwritten": _overwrite_every_table,
    "random_bytes": _random_bytes,
    "truncated_mid_page": _truncated_mid_page,
}


@pytest.fixture(params=sorted(DAMAGES))
def damaged(request: pytest.FixtureRequest, healthy_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "damaged.sqlite3"
    shutil.copyfile(healthy_store, path)
    DAMAGES[request.param](path)
    return path


@pytest.fixture
def damaged_cli(
    damaged: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.chdir(damaged.parent)
    for name in list(os.environ):
        if name.startswith("CHRONOX_") or name in ("POLYGON_API_KEY", "MASSIVE_API_KEY"):
            monkeypatch.delenv(name)
    return Cli(capsys, f"sqlite:///{damaged}")


@pytest.mark.parametrize(
    "command",
    [
        ["registry", "list"],
        ["info"],
        ["gaps", "SPY", *DAY],
        ["bars", "SPY", *DAY],
        ["ingest", "SPY", *DAY],
        ["backfill", "SPY"],
    ],
    ids=lambda command: command[0] if command[0] != "registry" else "registry_list",
)
def test_a_damaged_sqlite_store_is_one_line_naming_the_file_with_exit_4(
    damaged_cli: Cli, damaged: Path, command: list[str]
) -> None:
    one_line_error(damaged_cli(*command), 4, str(damaged), "is damaged")


def test_the_api_answers_503_for_a_damaged_sqlite_store(
    damaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    app = create_app(Container(settings=Settings(store=f"sqlite:///{damaged}")))
    with TestClient(app, raise_server_exceptions=False) as api:
        for path in ("/symbols", "/info", "/bars/SPY?start=2024-11-25&end=2024-11-25"):
            answer = api.get(path)
            assert answer.status_code == 503, (path, answer.text)
            body = answer.json()
            assert body["error"] == "storage_unavailable", (path, body)
            assert str(damaged) in body["detail"] and "is damaged" in body["detail"], body
