"""The one presentation layer: the response models every interface shows.

The CLI dumps them for ``--json`` (``model.model_dump(mode="json")``), the API sends
them (and documents them in its OpenAPI schema), a Python client parses them back. Plain
pydantic models built from domain objects (``JobOut.of(job)``), importable without
FastAPI. Where the CLI shows more than the API, its model extends the API's.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chronox_presentation.actions import (
        ACTION_COLUMNS,
        ActionsOut,
        ActionsSyncOut,
        CashDividendOut,
        ListingOut,
        StockSplitOut,
        SyncFailureOut,
        TickerChangeOut,
        action_rows,
    )
    from chronox_presentation.bars import (
        BarEventOut,
        BarOut,
        BarsPage,
        LiveBarOut,
        SeriesKey,
        StoredBarsOut,
    )
    from chronox_presentation.calendar import SessionOut
    from chronox_presentation.coverage import (
        CoverageMatrixOut,
        CoverageMatrixRowOut,
        CoverageOut,
        CoverageSummaryOut,
        GapOut,
        MatrixState,
    )
    from chronox_presentation.exports import ExportReportOut, PartitionExportOut
    from chronox_presentation.jobs import JobDetailOut, JobOut, JobsPage, QueuedJobOut
    from chronox_presentation.registry import (
        SYMBOL_PATTERN,
        RegistryChangeOut,
        SessionName,
        Symbol,
        SymbolFields,
        SymbolOut,
        SymbolsPage,
        TimeframeName,
    )
    from chronox_presentation.reports import (
        BackfillReportOut,
        IngestReportOut,
        RefusalOut,
        SeriesReportOut,
    )
    from chronox_presentation.status import HealthOut, InfoDetailOut, InfoOut, LiveOut

#: Where each name lives: a module is imported when one of its names is first asked
#: for (pydantic builds each model class as it is defined, milliseconds apiece), so a
#: command pays only for the models it shows.
_HOME = {
    "ACTION_COLUMNS": "actions",
    "ActionsOut": "actions",
    "ActionsSyncOut": "actions",
    "CashDividendOut": "actions",
    "ListingOut": "actions",
    "StockSplitOut": "actions",
    "SyncFailureOut": "actions",
    "TickerChangeOut": "actions",
    "action_rows": "actions",
    "BarEventOut": "bars",
    "LiveBarOut": "bars",
    "BarOut": "bars",
    "BarsPage": "bars",
    "SeriesKey": "bars",
    "StoredBarsOut": "bars",
    "SessionOut": "calendar",
    "CoverageMatrixOut": "coverage",
    "CoverageMatrixRowOut": "coverage",
    "CoverageOut": "coverage",
    "MatrixState": "coverage",
    "CoverageSummaryOut": "coverage",
    "GapOut": "coverage",
    "ExportReportOut": "exports",
    "PartitionExportOut": "exports",
    "JobDetailOut": "jobs",
    "JobOut": "jobs",
    "JobsPage": "jobs",
    "QueuedJobOut": "jobs",
    "SYMBOL_PATTERN": "registry",
    "RegistryChangeOut": "registry",
    "SessionName": "registry",
    "Symbol": "registry",
    "SymbolFields": "registry",
    "SymbolOut": "registry",
    "SymbolsPage": "registry",
    "TimeframeName": "registry",
    "BackfillReportOut": "reports",
    "IngestReportOut": "reports",
    "RefusalOut": "reports",
    "SeriesReportOut": "reports",
    "HealthOut": "status",
    "InfoDetailOut": "status",
    "InfoOut": "status",
    "LiveOut": "status",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ACTION_COLUMNS",
    "ActionsOut",
    "ActionsSyncOut",
    "CashDividendOut",
    "ListingOut",
    "StockSplitOut",
    "SyncFailureOut",
    "TickerChangeOut",
    "action_rows",
    "SYMBOL_PATTERN",
    "RegistryChangeOut",
    "BackfillReportOut",
    "BarEventOut",
    "LiveBarOut",
    "BarOut",
    "BarsPage",
    "CoverageMatrixOut",
    "CoverageMatrixRowOut",
    "CoverageOut",
    "CoverageSummaryOut",
    "ExportReportOut",
    "GapOut",
    "HealthOut",
    "InfoDetailOut",
    "InfoOut",
    "IngestReportOut",
    "JobDetailOut",
    "JobOut",
    "JobsPage",
    "LiveOut",
    "MatrixState",
    "PartitionExportOut",
    "QueuedJobOut",
    "RefusalOut",
    "SeriesKey",
    "SeriesReportOut",
    "SessionName",
    "SessionOut",
    "StoredBarsOut",
    "Symbol",
    "SymbolFields",
    "SymbolOut",
    "SymbolsPage",
    "TimeframeName",
]
