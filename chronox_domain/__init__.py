"""chronox's domain: bars, the interval algebra, the coverage ledger, gap windows,
request planning, the ports and the services. Standard library only, so a notebook
can ``import chronox_domain`` without pulling in a database driver or a framework.

The names below load with their module on first use (PEP 562): every module of the
domain runs this package first, and a command that lists gaps should not pay for the
jobs, planning and event modules it never touches (the type checker reads the imports).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chronox_domain.bar import Bar, RejectedBar, bar_problem, split_valid
    from chronox_domain.batch import BarBatch
    from chronox_domain.coverage import (
        CoverageSpan,
        CoverageStatus,
        covered_for_gaps,
        merge_spans,
        spans_for_fetch,
    )
    from chronox_domain.errors import (
        ActionsNotSynced,
        BasisChanged,
        ChronoxError,
        InvalidInput,
        InvalidRange,
        InvalidSymbol,
        InvalidTimeframe,
        LegacyBasisUnknown,
        MalformedData,
        NotFound,
        NotRegistered,
        RateLimited,
        SchemaMismatch,
        SchemaOutdated,
        SourceMismatch,
        SourceUnavailable,
        StorageUnavailable,
        Unauthorized,
        WindowRefused,
    )
    from chronox_domain.gaps import GapWindow, find_gaps, find_holes
    from chronox_domain.interval import Interval, clip, intersect, normalize, subtract, union
    from chronox_domain.jobs import Job, JobState
    from chronox_domain.planning import PlannedRequest, RequestLimit, plan_requests
    from chronox_domain.ports import (
        BarSource,
        Clock,
        EventPublisher,
        Fetched,
        JobQueue,
        LiveBarSource,
        MarketDataRepository,
        SymbolRegistry,
        TradingCalendar,
    )
    from chronox_domain.ranges import ResolvedRange, resolve_range
    from chronox_domain.registry import SymbolEntry
    from chronox_domain.session import Session, SessionKind, expected_windows, slot_window
    from chronox_domain.symbol import parse_symbol
    from chronox_domain.timeframe import Timeframe

__version__ = "0.1.0"

__all__ = [
    "ActionsNotSynced",
    "Bar",
    "BarBatch",
    "BarSource",
    "BasisChanged",
    "ChronoxError",
    "Clock",
    "CoverageSpan",
    "CoverageStatus",
    "EventPublisher",
    "Fetched",
    "GapWindow",
    "Interval",
    "InvalidInput",
    "InvalidRange",
    "InvalidSymbol",
    "InvalidTimeframe",
    "Job",
    "LegacyBasisUnknown",
    "JobQueue",
    "JobState",
    "LiveBarSource",
    "MalformedData",
    "MarketDataRepository",
    "NotFound",
    "NotRegistered",
    "PlannedRequest",
    "RequestLimit",
    "RateLimited",
    "RejectedBar",
    "ResolvedRange",
    "SchemaMismatch",
    "SchemaOutdated",
    "Session",
    "SessionKind",
    "SourceMismatch",
    "SourceUnavailable",
    "StorageUnavailable",
    "SymbolEntry",
    "SymbolRegistry",
    "Timeframe",
    "TradingCalendar",
    "Unauthorized",
    "WindowRefused",
    "bar_problem",
    "clip",
    "covered_for_gaps",
    "expected_windows",
    "find_gaps",
    "find_holes",
    "intersect",
    "merge_spans",
    "normalize",
    "parse_symbol",
    "plan_requests",
    "resolve_range",
    "slot_window",
    "spans_for_fetch",
    "split_valid",
    "subtract",
    "union",
]

#: Each exported name and the module that defines it (tests/unit/test_domain_exports.py
#: checks it against ``__all__`` and the imports above).
_MODULE_OF = {
    "Bar": "bar",
    "RejectedBar": "bar",
    "bar_problem": "bar",
    "split_valid": "bar",
    "BarBatch": "batch",
    "CoverageSpan": "coverage",
    "CoverageStatus": "coverage",
    "covered_for_gaps": "coverage",
    "merge_spans": "coverage",
    "spans_for_fetch": "coverage",
    "ActionsNotSynced": "errors",
    "BasisChanged": "errors",
    "ChronoxError": "errors",
    "InvalidInput": "errors",
    "InvalidRange": "errors",
    "InvalidSymbol": "errors",
    "InvalidTimeframe": "errors",
    "LegacyBasisUnknown": "errors",
    "MalformedData": "errors",
    "NotFound": "errors",
    "NotRegistered": "errors",
    "RateLimited": "errors",
    "SchemaMismatch": "errors",
    "SchemaOutdated": "errors",
    "SourceMismatch": "errors",
    "SourceUnavailable": "errors",
    "StorageUnavailable": "errors",
    "Unauthorized": "errors",
    "WindowRefused": "errors",
    "GapWindow": "gaps",
    "find_gaps": "gaps",
    "find_holes": "gaps",
    "Interval": "interval",
    "clip": "interval",
    "intersect": "interval",
    "normalize": "interval",
    "subtract": "interval",
    "union": "interval",
    "Job": "jobs",
    "JobState": "jobs",
    "PlannedRequest": "planning",
    "RequestLimit": "planning",
    "plan_requests": "planning",
    "BarSource": "ports",
    "Clock": "ports",
    "EventPublisher": "ports",
    "Fetched": "ports",
    "JobQueue": "ports",
    "LiveBarSource": "ports",
    "MarketDataRepository": "ports",
    "SymbolRegistry": "ports",
    "TradingCalendar": "ports",
    "ResolvedRange": "ranges",
    "resolve_range": "ranges",
    "SymbolEntry": "registry",
    "Session": "session",
    "SessionKind": "session",
    "expected_windows": "session",
    "slot_window": "session",
    "parse_symbol": "symbol",
    "Timeframe": "timeframe",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
