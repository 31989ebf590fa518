"""``/bars/{symbol}``: pages of JSON with a cursor, or a CSV stream of any length."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidRange
from chronox_domain.ranges import Bound, resolve_range
from chronox_domain.services.bars import BarsService
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.api.deps import BarsDep, ContainerDep, require_token_for_reads
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
from chronox_entrypoints.container import Container

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
    c: ContainerDep,
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
    first, last = parse_bound(start), parse_bound(end)
    if cursor is not None:
        first, last = _resume(c, tf, first, last, parse_bound(cursor))
    if format == "csv":
        chunks = _csv(service, symbol, tf, first, last)
        head = next(chunks)  # the first query runs now: bad input is a 4xx, not a cut stream
        return StreamingResponse(chain([head], chunks), media_type="text/csv")
    derived = service.derives(symbol, tf)
    page = _read(service, symbol, tf, first, last, limit + 1)
    following = _instant(page[limit].start) if len(page) > limit else None
    return BarsPage(
        symbol=parse_symbol(symbol),
        timeframe=tf.value,
        bars=[BarOut.of(bar) for bar in page[:limit]],
        derived_from="1m" if derived else None,
        next_cursor=following,
    )


def _resume(
    c: Container, timeframe: Timeframe, start: Bound | None, end: Bound | None, cursor: Bound | None
) -> tuple[Bound | None, Bound | None]:
    """Where the page after ``cursor`` starts and ends: the rest of the asked range.

    A cursor outside the range (earlier than ``start`` would read before it) is a 400.
    The range resolves as ``BarsService.bars`` resolves it (extended hours), and without
    an ``end`` the page still ends where the first one's range did."""
    window = resolve_range(
        c.calendar(), SessionKind.ETH, timeframe, start, end, c.clock().now()
    ).window
    moment = cursor if isinstance(cursor, datetime) else None
    if moment is None or not window.contains(moment):
        raise InvalidRange(
            f"cursor {_instant(cursor)} is outside the asked range [{_instant(window.start)}, "
            f"{_instant(window.end)}): pass the next_cursor of the previous page"
        )
    return moment, end if end is not None else window.end


def _instant(bound: Bound | None) -> str:
    """A moment as a cursor reads (``2024-11-25T14:30:00Z``)."""
    return bound.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(bound, datetime) else str(bound)


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
