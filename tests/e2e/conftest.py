"""Running ``chronox-cli`` in-process through its real error boundary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chronox_entrypoints.cli.main import main


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


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "POLYGON_API_KEY", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Cli(capsys, f"sqlite:///{tmp_path / 'store.sqlite3'}")
