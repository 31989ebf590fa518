"""Use cases: each service depends on ports only, so the CLI, the API and the monitor
call the very same code."""

from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
from chronox_domain.services.bars import BarPage, BarSeries, BarsService, Provenance
from chronox_domain.services.calendar import CalendarService
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.gaps import GapKind, GapReport, GapsService, Missing
from chronox_domain.services.ingestion import IngestionService, IngestReport, IngestRequest
from chronox_domain.services.pipeline import Mode, Pipeline
from chronox_domain.services.registry import RegistryService
from chronox_domain.services.status import Check, Health, StatusService, demo_data

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
