"""``/bars/{symbol}``: pages of JSON with a cursor, or a CSV stream of any length."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, islice
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chronox_domain.bar import Bar
from chronox_domain.ranges import Bound
from chronox_domain.services.bars import BarsService
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.api.deps import BarsDep, require_token_for_reads
from chronox_entrypoints.api.schemas import (
    BOUND_PATTERN,
    ERRORS,
    BarOut,
    BarsPage,
    EndParam,
    StartParam,
    SymbolPath,
    TimeframeParam,
)
from chronox_entrypoints.bounds import parse_bound

#: Bars per query of a CSV stream.
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
    tf = Timeframe(timeframe)
    first, last = parse_bound(cursor) or parse_bound(start), parse_bound(end)
    if format == "csv":
        chunks = _csv(service, symbol, tf, first, last)
        head = next(chunks)  # the first query runs now: bad input is a 4xx, not a cut stream
        return StreamingResponse(chain([head], chunks), media_type="text/csv")
    derived = service.derives(symbol, tf)
    page = _read(service, symbol, tf, first, last, limit + 1)
    following = page[limit].start.strftime("%Y-%m-%dT%H:%M:%SZ") if len(page) > limit else None
    return BarsPage(
        symbol=parse_symbol(symbol),
        timeframe=tf.value,
        bars=[BarOut.of(bar) for bar in page[:limit]],
        derived_from="1m" if derived else None,
        next_cursor=following,
    )


def _read(
    service: BarsService,
    symbol: str,
    timeframe: Timeframe,
    first: Bound | None,
    last: Bound | None,
    count: int,
) -> list[Bar]:
    """At most ``count`` bars from ``first`` on, with the store's cursor (and its pooled
    connection) released before this returns, not when the iterator is collected."""
    stream = service.bars(symbol, timeframe, first, last)
    try:
        return list(islice(stream, count))
    finally:
        if hasattr(stream, "close"):
            stream.close()


def _csv(
    service: BarsService,
    symbol: str,
    timeframe: Timeframe,
    first: Bound | None,
    last: Bound | None,
) -> Iterator[str]:
    """The range as CSV, read ``CHUNK`` bars per query: a slow client holds one chunk of
    memory while it reads, never a database connection."""
    text = bar_csv.HEADER_LINE
    while True:
        chunk = _read(service, symbol, timeframe, first, last, CHUNK + 1)
        text += "".join(bar_csv.line(bar) for bar in chunk[:CHUNK])
        yield text
        if len(chunk) <= CHUNK:
            return
        first, text = chunk[CHUNK].start, ""
