"""``docs/notebooks/research.ipynb`` runs, cell by cell, on a real Jupyter kernel (the
``python3`` one, which ``.ci/run`` registers): a cell that raises fails this test.

The notebook works in a temporary directory of its own; here it also runs from a
temporary working directory with no ``CHRONOX_*`` variable and its own cache directory,
so neither the user's store nor the user's calendar cache is read or written."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK = Path(__file__).parents[2] / "docs" / "notebooks" / "research.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_research_notebook_runs_on_a_real_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith("CHRONOX_")]:
        monkeypatch.delenv(name)
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, as in Jupyter
    scratch = tmp_path / "tmp"  # where the notebook's throwaway store goes (tempfile)
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.chdir(tmp_path)

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except CellExecutionError as failure:  # the failing cell and its traceback, whole
        pytest.fail(f"a notebook cell failed:\n{failure}")

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    printed = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "bars written from synthetic (demo data)" in printed
    assert "2 partitions written; 2 unchanged on the second run" in printed
    # The session's plot reaches the reader (a non-interactive backend would draw it
    # and show nothing).
    assert any("image/png" in out.get("data", {}) for out in outputs)
    assert not (tmp_path / "chronox.sqlite3").exists()  # no default store was opened
    assert not list(scratch.glob("chronox-research-*"))  # and the throwaway one is removed
