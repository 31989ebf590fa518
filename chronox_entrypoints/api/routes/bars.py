"""``/bars/{symbol}``: pages of JSON with a cursor, a CSV stream of any length, or the
range as one Parquet file (the export's schema). Every format is written as it is read,
a chunk at a time, so no answer holds more than one chunk of bars in memory; and every
format says when its bars are demo data.

The route is the API's hot path, so it goes to the thread pool once per request: the
token check is a comparison made on the event loop, and the store's reads and the
encoding run in one call in the pool. FastAPI would otherwise make a trip there for
each synchronous dependency and for each piece of a streamed body, eight for a page,
each a thread's wake-up and a handover of the GIL (docs/benchmarks.md, benchmark 12).
A page that fits in one chunk of the store's reads (``limit`` up to ``CHUNK``) is sent
whole; a longer one is streamed a chunk at a time."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from chronox_domain.actions import PriceBasis
from chronox_domain.errors import InvalidInput
from chronox_domain.services.bars import BarsService, Provenance
from chronox_domain.services.status import demo_data
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.api.bar_pages import page_body
from chronox_entrypoints.api.deps import container, require_token_for_reads
from chronox_entrypoints.api.parquet import parquet_stream
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

#: Bars per query of a JSON page or a CSV stream: what a slow client holds in memory
#: while it reads.
CHUNK = 10_000
#: Slots of the timeframe per row group of a Parquet file (one bulk read each): some
#: 35 sessions of extended-hours minutes, a few MB of columns.
ROW_GROUP_SLOTS = 50_000
#: The media type of Parquet (registered with IANA in 2024).
PARQUET = "application/vnd.apache.parquet"
#: The header that marks demo data in every format, naming the demo sources.
DEMO_HEADER = "X-Chronox-Demo"
#: The header that names the price basis of every format (none, splits, all).
ADJUST_HEADER = "X-Chronox-Adjust"

Format = Literal["json", "csv", "parquet"]
Basis = Literal["none", "splits", "all"]


async def reads_allowed(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """:func:`require_token_for_reads`, on the event loop (a comparison: no thread)."""
    require_token_for_reads(request, authorization)


router = APIRouter(tags=["bars"], dependencies=[Depends(reads_allowed)], responses=ERRORS)


@dataclass(frozen=True, slots=True)
class BarsAsked:
    """What a ``GET /bars`` asks, as its parameters came (validated by their schemas)."""

    symbol: str
    timeframe: str = "1m"
    start: str | None = None
    end: str | None = None
    limit: int = 1_000
    cursor: str | None = None
    format: Format = "json"
    adjust: Basis = "splits"


@router.get(
    "/bars/{symbol}",
    response_model=BarsPage,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                PARQUET: {"schema": {"type": "string", "format": "binary"}},
            },
            "headers": {
                DEMO_HEADER: {
                    "description": "present when the bars are synthetic demo data, "
                    "not real market prices: the demo sources",
                    "schema": {"type": "string"},
                },
                ADJUST_HEADER: {
                    "description": "the price basis of the bars: none, splits or all",
                    "schema": {"type": "string"},
                },
            },
        }
    },
)
async def bars(
    symbol: SymbolPath,
    request: Request,
    timeframe: TimeframeParam = "1m",
    start: StartParam = None,
    end: EndParam = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1_000,
    cursor: Annotated[
        str | None, Query(pattern=BOUND_PATTERN, description="next_cursor of the previous page")
    ] = None,
    format: Format = "json",
    adjust: Annotated[
        Basis,
        Query(
            description="price basis: none (as traded), splits (earlier prices on today's "
            "share basis) or all (splits and cash dividends)"
        ),
    ] = "splits",
) -> Response:
    asked = BarsAsked(symbol, timeframe, start, end, limit, cursor, format, adjust)
    return await run_in_threadpool(lambda: answer(bars_service(request), asked))


def bars_service(request: Request) -> BarsService:
    """The app's bars service (in the thread pool: getting it may open the store)."""
    service: BarsService = container(request).bars()
    return service


def answer(service: BarsService, asked: BarsAsked) -> Response:
    """The answer to ``asked``. Each stream's first chunk is read now: bad input is a
    4xx, not a cut stream."""
    symbol, tf = parse_symbol(asked.symbol), Timeframe(asked.timeframe)
    first, last, after = parse_bound(asked.start), parse_bound(asked.end), parse_bound(asked.cursor)
    basis, limit, format = PriceBasis.parse(asked.adjust), asked.limit, asked.format
    if format == "parquet":
        if after is not None:
            raise InvalidInput("format=parquet answers the whole range in one file: drop cursor")
        tables = service.tables(symbol, tf, first, last, slots=ROW_GROUP_SLOTS, basis=basis)
        head = next(tables)
        body = parquet_stream(chain([head], tables))
        name = f"{head.symbol}-{tf.value}.parquet"
        headers = _marks(head.provenance, basis, f'attachment; filename="{name}"')
        return StreamingResponse(body, media_type=PARQUET, headers=headers)
    provenance = service.provenance(symbol, tf)
    size = CHUNK if format == "csv" else min(limit, CHUNK)
    chunks = service.chunks(symbol, tf, first, last, cursor=after, size=size, basis=basis)
    if format == "csv":
        # The CSV stays what `--source files` reads back: the mark is in the headers,
        # and in the name a browser saves it under.
        demo = "-demo" if provenance.demo else ""
        name = f"{symbol}-{tf.value}{demo}.csv"
        headers = _marks(provenance, basis, f'inline; filename="{name}"')
        return StreamingResponse(bar_csv.text(chunks), media_type="text/csv", headers=headers)
    head_page = BarsPage(
        symbol=symbol,
        timeframe=tf.value,
        bars=[],
        derived_from="1m" if provenance.derived else None,
        demo=provenance.demo,
        next_cursor=None,
        adjust=basis.value,
    )
    body = page_body(head_page, chunks, limit)
    headers = _marks(provenance, basis, None)
    if limit <= CHUNK:  # one chunk, read already: the page is sent whole
        return Response(b"".join(body), media_type="application/json", headers=headers)
    return StreamingResponse(body, media_type="application/json", headers=headers)


def _marks(provenance: Provenance, basis: PriceBasis, disposition: str | None) -> dict[str, str]:
    """The answer's headers: its file name, its price basis, and the demo mark when it
    is demo data."""
    headers = {"Content-Disposition": disposition} if disposition else {}
    headers[ADJUST_HEADER] = basis.value
    if provenance.demo:
        headers[DEMO_HEADER] = ",".join(s for s in provenance.sources if demo_data([s]))
    return headers
