"""``/bars/{symbol}``: pages of JSON with a cursor, or a CSV stream of any length."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.api.deps import BarsDep, require_token_for_reads
from chronox_entrypoints.api.schemas import (
    BOUND_PATTERN,
    ERRORS,
    EndParam,
    StartParam,
    SymbolPath,
    TimeframeParam,
)
from chronox_entrypoints.bounds import parse_bound
from chronox_presentation import BarsPage

#: Bars per query of a CSV stream: what a slow client holds in memory while it reads.
CHUNK = 10_000

router = APIRouter(
    tags=["bars"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get(
    "/bars/{symbol}",
    response_model=BarsPage,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def bars(
    symbol: SymbolPath,
    service: BarsDep,
    timeframe: TimeframeParam = "1m",
    start: StartParam = None,
    end: EndParam = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1_000,
    cursor: Annotated[
        str | None, Query(pattern=BOUND_PATTERN, description="next_cursor of the previous page")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> BarsPage | StreamingResponse:
    tf, after = Timeframe(timeframe), parse_bound(cursor)
    first, last = parse_bound(start), parse_bound(end)
    if format == "csv":
        # The first chunk is read now: bad input is a 4xx, not a cut stream.
        chunks = service.chunks(symbol, tf, first, last, cursor=after, size=CHUNK)
        return StreamingResponse(bar_csv.text(chunks), media_type="text/csv")
    return BarsPage.of(service.page(symbol, tf, first, last, limit=limit, cursor=after))
