"""The container names the domain's services by module and imports each when its
provider first builds one: every name resolves, and a command that lists gaps loads
none of the services it does not use."""

from __future__ import annotations

import json
import subprocess
import sys

from chronox_entrypoints.container import Container, _Lazy


def test_every_lazy_service_resolves_to_what_it_names() -> None:
    lazies = {
        provider.provides.path: provider.provides
        for provider in Container().traverse()
        if isinstance(getattr(provider, "provides", None), _Lazy)
    }
    assert len(lazies) >= 19  # each service of the domain the container composes
    for path, lazy in lazies.items():
        target = lazy.resolve()
        assert callable(target), path
        assert f"{target.__module__}:{target.__name__}" == path


def test_building_the_gaps_service_loads_no_other_service() -> None:
    program = """
import json, sys
from datetime import date
from chronox_entrypoints.container import bootstrap
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
container = bootstrap()
report = container.gaps().report(
    ["SPY"], Timeframe.M1, SessionKind.RTH, date(2024, 11, 25), date(2024, 11, 27)
)
assert len(report.missing) == 3, report
services = [name for name in sys.modules if name.startswith("chronox_domain.services.")]
print(json.dumps(services))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    unused = {"ingestion", "backfill", "export", "flatfiles", "grouped", "live", "jobs", "bars"}
    assert not {f"chronox_domain.services.{name}" for name in unused} & loaded, loaded
    assert "chronox_domain.services.gaps" in loaded
