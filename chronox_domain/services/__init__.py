"""Use cases: each service depends on ports only, so the CLI, the API and the monitor
call the very same code."""

from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
from chronox_domain.services.bars import BarsService
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.ingestion import IngestionService, IngestReport, IngestRequest
from chronox_domain.services.pipeline import Mode, Pipeline
from chronox_domain.services.registry import RegistryService
from chronox_domain.services.splits import SplitService

__all__ = [
    "BackfillOrchestrator",
    "BackfillReport",
    "BarsService",
    "CoverageService",
    "IngestReport",
    "IngestRequest",
    "IngestionService",
    "Mode",
    "Pipeline",
    "RegistryService",
    "SplitService",
]
