"""``/gaps/{symbol}`` and ``/coverage/{symbol}``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from chronox_domain.gaps import GapWindow
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import CoverageDep, require_token_for_reads
from chronox_entrypoints.api.schemas import (
    ERRORS,
    CoverageOut,
    EndParam,
    GapOut,
    StartParam,
    SymbolPath,
    TimeframeParam,
)
from chronox_entrypoints.bounds import parse_bound

router = APIRouter(
    tags=["coverage"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get("/gaps/{symbol}", response_model=list[GapOut])
def gaps(
    symbol: SymbolPath,
    coverage: CoverageDep,
    timeframe: TimeframeParam = "1m",
    start: StartParam = None,
    end: EndParam = None,
    session: Literal["rth", "eth"] = "rth",
    holes: bool = False,
) -> list[GapOut]:
    """Gap windows (and, with ``holes``, covered slots without a bar and windows answered
    empty only once), sorted by start."""
    tf, kind = Timeframe(timeframe), SessionKind(session)
    first, last = parse_bound(start), parse_bound(end)
    found = [_out(g, "gap") for g in coverage.gaps([symbol], tf, kind, first, last)]
    if holes:
        found += [_out(h, "hole") for h in coverage.holes([symbol], tf, kind, first, last)]
        waiting = coverage.unconfirmed([symbol], tf, kind, first, last)
        found += [_out(u, "unconfirmed") for u in waiting]
    return sorted(found, key=lambda item: item.start)


@router.get("/coverage/{symbol}", response_model=list[CoverageOut])
def coverage_of(
    symbol: SymbolPath, coverage: CoverageDep, timeframe: TimeframeParam = "1m"
) -> list[CoverageOut]:
    """The ledger: the spans a source answered for, final, provisional or unconfirmed."""
    return [
        CoverageOut(
            start=s.interval.start,
            end=s.interval.end,
            status=s.status.value,
            source=s.source,
            answered_at=s.answered_at,
        )
        for s in coverage.coverage(symbol, Timeframe(timeframe))
    ]


def _out(window: GapWindow, kind: Literal["gap", "hole", "unconfirmed"]) -> GapOut:
    return GapOut(
        symbol=window.symbol,
        timeframe=window.timeframe.value,
        start=window.interval.start,
        end=window.interval.end,
        bars=window.bars,
        kind=kind,
    )
