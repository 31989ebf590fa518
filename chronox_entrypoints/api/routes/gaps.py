"""``/gaps/{symbol}``, ``/coverage/matrix``, ``/coverage/{symbol}`` and
``/coverage/{symbol}/summary``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from chronox_domain.services.matrix import (
    DEFAULT_SESSIONS,
    MAX_ROW_SESSIONS,
    MAX_SESSIONS,
    CoverageMatrixService,
)
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import (
    CoverageDep,
    GapsDep,
    provided,
    require_token_for_reads,
)
from chronox_entrypoints.api.schemas import (
    ERRORS,
    EndParam,
    StartParam,
    SymbolPath,
    TimeframeParam,
)
from chronox_entrypoints.bounds import parse_bound
from chronox_presentation import CoverageMatrixOut, CoverageOut, CoverageSummaryOut, GapOut

MatrixDep = Annotated[CoverageMatrixService, Depends(provided("coverage_matrix"))]
DayParam = Annotated[
    date | None, Query(description="a session date, YYYY-MM-DD", examples=["2024-11-04"])
]

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


# Before /coverage/{symbol}: "matrix" would read as a symbol there.
@router.get("/coverage/matrix", response_model=CoverageMatrixOut)
def coverage_matrix(
    matrix: MatrixDep,
    timeframe: TimeframeParam = "1m",
    session: Literal["rth", "eth"] = "rth",
    sessions: Annotated[
        int,
        Query(ge=1, le=MAX_SESSIONS, description="the last N sessions up to today"),
    ] = DEFAULT_SESSIONS,
    start: DayParam = None,
    end: DayParam = None,
    prefix: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9.-]{1,15}$", description="symbols starting so, any case"),
    ] = None,
    rows: Annotated[
        Literal["timeframe", "session"],
        Query(
            description="timeframe: the symbols registered for the timeframe; session: "
            "those registered for the session, whatever their timeframes"
        ),
    ] = "timeframe",
    cells: Annotated[
        bool,
        Query(
            description="false: each row's counts alone (covered, owed, complete), over up "
            f"to {MAX_ROW_SESSIONS} sessions from start to end; no bar is read"
        ),
    ] = True,
) -> Response:
    """Registry symbols (those registered for ``timeframe``, or with ``rows=session``
    those registered for ``session``; starting with ``prefix``) x the last ``sessions``
    trading sessions up to today, or the sessions from ``start`` to ``end`` (at most
    260): each cell's state as a digit of ``codes`` indexing ``states``, its covered
    percent, and each row's completeness and slot counts (``cells=false``: those alone,
    ``codes`` and ``percent`` empty)."""
    found = matrix.matrix(
        Timeframe(timeframe),
        SessionKind(session),
        sessions,
        start,
        end,
        prefix,
        own_session=rows == "session",
        cells=cells,
    )
    # Sent as built: 10,000 rows validated again on the way out would cost more than
    # computing them.
    body = CoverageMatrixOut.of(found).model_dump_json()
    return Response(body, media_type="application/json")


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
