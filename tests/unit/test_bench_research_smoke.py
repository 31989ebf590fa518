"""`benchmarks/bench_research.py --quick` still runs end to end and produces every figure.

Small sizes and one repeat: this checks the script and the correctness checks inside it
(both sides read the same bars, find the same missing slots, write the same rows), never
the speed; timings belong to docs/benchmarks.md. PostgreSQL is measured when the
benchmarks' server is reachable and reported as skipped otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench_research


def test_the_quick_run_produces_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "CHRONOX_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "figures.json"

    assert bench_research.main(["--quick", "--json", str(out)]) == 0

    figures = json.loads(out.read_text())
    kinds = [figure["benchmark"] for figure in figures]
    assert kinds.count("research-read") in (1, 2)  # SQLite, and PostgreSQL when reachable
    assert kinds[-4:] == ["research-check"] * 2 + ["research-export"] * 2
    assert all(figure["ratio"] > 0 and figure["data"]["rows"] > 0 for figure in figures)
    printed = capsys.readouterr().out
    assert "SQLite: " in printed and ("PostgreSQL" in printed)
