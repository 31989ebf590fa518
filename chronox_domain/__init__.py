"""chronox's domain: bars, the interval algebra, the coverage ledger, gap windows,
request planning, the ports and the services. Standard library only, so a notebook
can ``import chronox_domain`` without pulling in a database driver or a framework.
"""

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
