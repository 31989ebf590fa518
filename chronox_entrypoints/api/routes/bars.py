"""``/bars/{symbol}``: pages of JSON with a cursor, a CSV stream of any length, or the
range as one Parquet file (the export's schema)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from chronox_domain.errors import InvalidInput
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv, datasets
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
#: The media type of Parquet (registered with IANA in 2024).
PARQUET = "application/vnd.apache.parquet"

router = APIRouter(
    tags=["bars"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get(
    "/bars/{symbol}",
    response_model=BarsPage,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                PARQUET: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
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
    format: Literal["json", "csv", "parquet"] = "json",
) -> BarsPage | Response:
    tf, after = Timeframe(timeframe), parse_bound(cursor)
    first, last = parse_bound(start), parse_bound(end)
    if format == "parquet":
        if after is not None:
            raise InvalidInput("format=parquet answers the whole range in one file: drop cursor")
        table = service.table(symbol, tf, first, last)
        name = f"{table.symbol}-{tf.value}.parquet"
        return Response(
            datasets.parquet_file(table),
            media_type=PARQUET,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "csv":
        # The first chunk is read now: bad input is a 4xx, not a cut stream.
        chunks = service.chunks(symbol, tf, first, last, cursor=after, size=CHUNK)
        return StreamingResponse(bar_csv.text(chunks), media_type="text/csv")
    return BarsPage.of(service.page(symbol, tf, first, last, limit=limit, cursor=after))
