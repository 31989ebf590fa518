"""`import chronox_domain` in a fresh interpreter pulls in the standard library only."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
before = set(sys.modules)
import importlib, pkgutil
import chronox_domain
# Every module: the services package loads its names on first use, so import them all.
for module in pkgutil.walk_packages(chronox_domain.__path__, "chronox_domain."):
    importlib.import_module(module.name)
loaded = {name.split(".")[0] for name in set(sys.modules) - before}
print(json.dumps(sorted(loaded - set(sys.stdlib_module_names))))
"""


def test_the_domain_imports_nothing_outside_the_standard_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == ["chronox_domain"]


def test_the_domain_source_names_no_third_party_package() -> None:
    from pathlib import Path

    import chronox_domain

    root = Path(chronox_domain.__file__).parent
    forbidden = (
        "chronox_adapters",
        "chronox_entrypoints",
        "pydantic",
        "dependency_injector",
        "click",
        "pandas",
        "sqlite3",
        "psycopg",
        "redis",
    )
    for path in root.rglob("*.py"):
        text = path.read_text()
        for name in forbidden:
            assert f"import {name}" not in text and f"from {name}" not in text, (path, name)
