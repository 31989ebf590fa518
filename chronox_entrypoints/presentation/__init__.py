"""The one presentation layer: the response models every interface shows.

The CLI dumps them for ``--json`` (``model.model_dump(mode="json")``), the API sends
them (and documents them in its OpenAPI schema), a Python client parses them back. Plain
pydantic models built from domain objects (``JobOut.of(job)``), importable without
FastAPI. Where the CLI shows more than the API, its model extends the API's.
"""

from chronox_entrypoints.presentation.bars import (
    BarEventOut,
    BarOut,
    BarsPage,
    SeriesKey,
    StoredBarsOut,
)
from chronox_entrypoints.presentation.coverage import CoverageOut, GapOut
from chronox_entrypoints.presentation.jobs import JobDetailOut, JobOut, JobsPage, QueuedJobOut
from chronox_entrypoints.presentation.registry import (
    SYMBOL_PATTERN,
    SessionName,
    Symbol,
    SymbolFields,
    SymbolOut,
    SymbolsPage,
    TimeframeName,
)
from chronox_entrypoints.presentation.reports import (
    BackfillReportOut,
    IngestReportOut,
    RefusalOut,
    SeriesReportOut,
    SplitOut,
)
from chronox_entrypoints.presentation.status import HealthOut, InfoDetailOut, InfoOut

__all__ = [
    "SYMBOL_PATTERN",
    "BackfillReportOut",
    "BarEventOut",
    "BarOut",
    "BarsPage",
    "CoverageOut",
    "GapOut",
    "HealthOut",
    "InfoDetailOut",
    "InfoOut",
    "IngestReportOut",
    "JobDetailOut",
    "JobOut",
    "JobsPage",
    "QueuedJobOut",
    "RefusalOut",
    "SeriesKey",
    "SeriesReportOut",
    "SessionName",
    "SplitOut",
    "StoredBarsOut",
    "Symbol",
    "SymbolFields",
    "SymbolOut",
    "SymbolsPage",
    "TimeframeName",
]
