"""``/symbols``: the registry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import (
    PageDep,
    RegistryDep,
    require_token,
    require_token_for_reads,
)
from chronox_entrypoints.api.errors import TOO_LARGE
from chronox_entrypoints.api.schemas import ERRORS, ErrorOut, SymbolIn, SymbolPath
from chronox_presentation import SymbolOut, SymbolsPage

router = APIRouter(
    prefix="/symbols",
    tags=["symbols"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get("", response_model=SymbolsPage)
def list_symbols(registry: RegistryDep, page: PageDep, active: bool = False) -> SymbolsPage:
    """The registry by symbol, a page at a time; ``next_cursor`` is the first symbol of
    the next page."""
    # Sorted here, not by the store: a database collation may order "BRK.B" elsewhere.
    entries = sorted(registry.entries(active), key=lambda entry: entry.symbol)
    found, following = page.cut(entries, lambda entry: entry.symbol, ordered=True)
    return SymbolsPage.of(found, following)


@router.post(
    "",
    response_model=SymbolOut,
    status_code=201,
    dependencies=[Depends(require_token)],
    responses=TOO_LARGE,
)
def add_symbol(body: SymbolIn, registry: RegistryDep) -> SymbolOut:
    entry = registry.add(
        body.symbol,
        [Timeframe(tf) for tf in body.timeframes],
        SessionKind(body.session),
        body.active,
        body.follow_renames,
    )
    return SymbolOut.of(entry)


@router.get("/{symbol}", response_model=SymbolOut, responses={404: {"model": ErrorOut}})
def get_symbol(symbol: SymbolPath, registry: RegistryDep) -> SymbolOut:
    return SymbolOut.of(registry.get(symbol))


@router.delete(
    "/{symbol}",
    status_code=204,
    dependencies=[Depends(require_token)],
    responses={404: {"model": ErrorOut}},
)
def remove_symbol(symbol: SymbolPath, registry: RegistryDep) -> Response:
    registry.remove(symbol)
    return Response(status_code=204)
