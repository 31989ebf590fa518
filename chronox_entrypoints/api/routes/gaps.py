"""``/gaps/{symbol}``, ``/coverage/{symbol}`` and ``/coverage/{symbol}/summary``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import CoverageDep, GapsDep, require_token_for_reads
from chronox_entrypoints.api.schemas import (
    ERRORS,
    EndParam,
    StartParam,
    SymbolPath,
    TimeframeParam,
)
from chronox_entrypoints.bounds import parse_bound
from chronox_presentation import CoverageOut, CoverageSummaryOut, GapOut

router = APIRouter(
    tags=["coverage"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get("/gaps/{symbol}", response_model=list[GapOut])
def gaps(
    symbol: SymbolPath,
    service: GapsDep,
    timeframe: TimeframeParam = "1m",
    start: StartParam = None,
    end: EndParam = None,
    session: Literal["rth", "eth"] = "rth",
    holes: bool = False,
) -> list[GapOut]:
    """Gap windows (and, with ``holes``, covered slots without a bar, windows answered
    empty only once and the time the symbol was not listed), sorted by start."""
    report = service.report(
        [symbol],
        Timeframe(timeframe),
        SessionKind(session),
        parse_bound(start),
        parse_bound(end),
        holes=holes,
    )
    return [GapOut.of(missing) for missing in report.missing]


@router.get("/coverage/{symbol}", response_model=list[CoverageOut])
def coverage_of(
    symbol: SymbolPath, coverage: CoverageDep, timeframe: TimeframeParam = "1m"
) -> list[CoverageOut]:
    """The ledger: the spans a source answered for, final, provisional or unconfirmed."""
    return [CoverageOut.of(span) for span in coverage.coverage(symbol, Timeframe(timeframe))]


@router.get("/coverage/{symbol}/summary", response_model=CoverageSummaryOut)
def coverage_summary(
    symbol: SymbolPath,
    coverage: CoverageDep,
    timeframe: TimeframeParam = "1m",
    start: StartParam = None,
    end: EndParam = None,
    session: Literal["rth", "eth"] = "rth",
) -> CoverageSummaryOut:
    """How many expected bar slots of the range (up to the last that has ended) the
    ledger accounts for: final, provisional, unconfirmed, missing, and the covered %."""
    summary = coverage.summary(
        symbol, Timeframe(timeframe), SessionKind(session), parse_bound(start), parse_bound(end)
    )
    return CoverageSummaryOut.of(summary)
