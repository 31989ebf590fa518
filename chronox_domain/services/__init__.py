"""Use cases: each service depends on ports only, so the CLI, the API and the monitor
call the very same code.

The names below load with their module on first use (PEP 562): importing one service,
``chronox_domain.services.gaps``, runs this package first, and a command that lists
gaps should not pay for the ingestion, backfill and status modules too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
    from chronox_domain.services.bars import BarPage, BarSeries, BarsService, Provenance
    from chronox_domain.services.calendar import CalendarService
    from chronox_domain.services.coverage import CoverageService
    from chronox_domain.services.gaps import GapKind, GapReport, GapsService, Missing
    from chronox_domain.services.ingestion import IngestionService, IngestReport, IngestRequest
    from chronox_domain.services.pipeline import Mode, Pipeline
    from chronox_domain.services.registry import RegistryService
    from chronox_domain.services.status import Check, Health, StatusService, demo_data

#: Each exported name and the module that defines it (the imports above, for readers
#: and type checkers; tests/unit/test_domain_exports.py checks the two agree).
_MODULE_OF = {
    "BackfillOrchestrator": "backfill",
    "BackfillReport": "backfill",
    "BarPage": "bars",
    "BarSeries": "bars",
    "BarsService": "bars",
    "Provenance": "bars",
    "CalendarService": "calendar",
    "CoverageService": "coverage",
    "GapKind": "gaps",
    "GapReport": "gaps",
    "GapsService": "gaps",
    "Missing": "gaps",
    "IngestReport": "ingestion",
    "IngestRequest": "ingestion",
    "IngestionService": "ingestion",
    "Mode": "pipeline",
    "Pipeline": "pipeline",
    "RegistryService": "registry",
    "Check": "status",
    "Health": "status",
    "StatusService": "status",
    "demo_data": "status",
}

__all__ = [
    "BackfillOrchestrator",
    "BackfillReport",
    "BarPage",
    "BarSeries",
    "BarsService",
    "CalendarService",
    "Check",
    "CoverageService",
    "GapKind",
    "GapReport",
    "GapsService",
    "Health",
    "IngestReport",
    "IngestRequest",
    "IngestionService",
    "Missing",
    "Mode",
    "Pipeline",
    "Provenance",
    "RegistryService",
    "StatusService",
    "demo_data",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
