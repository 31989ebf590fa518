"""The symbols panel's benchmark runs, on a toy registry: seeded through the store's bulk
writes, served by chronox-cli serve, every row checked against its seed, both ways."""

from __future__ import annotations

import pytest

from benchmarks.bench_symbols_panel import run

pytestmark = pytest.mark.gui


def test_the_panel_benchmark_runs_and_checks_every_row() -> None:
    figures = run(symbols=150, repeats=1, baseline=True, say=False)
    assert figures["symbols"] == 150
    for name in ("panel", "drawn", "registry", "matrix", "baseline"):
        samples = figures[name]
        assert isinstance(samples, list) and len(samples) == 1 and 0 < samples[0] < 60, name
