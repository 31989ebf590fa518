"""``/bars/{symbol}``: pages of JSON with a cursor, or a CSV stream of any length."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chronox_domain.bar import Bar
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.api.deps import BarsDep, require_token_for_reads
from chronox_entrypoints.api.schemas import BarOut, BarsPage, ErrorOut, TimeframeParam
from chronox_entrypoints.bounds import parse_bound

router = APIRouter(
    tags=["bars"],
    dependencies=[Depends(require_token_for_reads)],
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}},
)


@router.get("/bars/{symbol}", response_model=BarsPage)
def bars(
    symbol: str,
    service: BarsDep,
    timeframe: TimeframeParam = "1m",
    start: Annotated[str | None, Query(description="YYYY-MM-DD or ISO-8601")] = None,
    end: Annotated[str | None, Query(description="YYYY-MM-DD (inclusive) or ISO-8601")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1_000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    format: Literal["json", "csv"] = "json",
) -> BarsPage | StreamingResponse:
    tf = Timeframe(timeframe)
    first = parse_bound(cursor) or parse_bound(start)
    stream = service.bars(symbol, tf, first, parse_bound(end))
    derived = service.derives(symbol, tf)
    if format == "csv":
        return StreamingResponse(_csv(stream), media_type="text/csv")
    page = list(islice(stream, limit + 1))
    if hasattr(stream, "close"):
        stream.close()  # release the store's cursor now, not when collected
    following = page[limit].start.strftime("%Y-%m-%dT%H:%M:%SZ") if len(page) > limit else None
    return BarsPage(
        symbol=symbol.upper(),
        timeframe=tf.value,
        bars=[_out(bar) for bar in page[:limit]],
        derived_from="1m" if derived else None,
        next_cursor=following,
    )


def _out(bar: Bar) -> BarOut:
    return BarOut(
        start=bar.start,
        open=bar.open,
        high=bar.high,
        low=bar.low,
        close=bar.close,
        volume=bar.volume,
        vwap=bar.vwap,
        trades=bar.trades,
    )


def _csv(stream: Iterator[Bar]) -> Iterator[str]:
    yield bar_csv.HEADER_LINE
    chunk: list[str] = []
    for bar in stream:
        chunk.append(bar_csv.line(bar))
        if len(chunk) >= 5_000:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
