"""``/symbols``: the registry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import (
    PageDep,
    RegistryDep,
    require_token,
    require_token_for_reads,
)
from chronox_entrypoints.api.errors import TOO_LARGE
from chronox_entrypoints.api.schemas import ERRORS, ErrorOut, SymbolIn, SymbolPath, SymbolsIn
from chronox_presentation import RegistryChangeOut, SymbolOut, SymbolsPage

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
    # One indexed read of the page and the next page's first symbol, whatever the
    # registry's size (the store orders by code point, as the cursor compares).
    entries = registry.entries(active, start=page.cursor, limit=page.limit + 1)
    following = entries[page.limit].symbol if len(entries) > page.limit else None
    return SymbolsPage.of(entries[: page.limit], following)


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


@router.patch(
    "",
    response_model=RegistryChangeOut,
    dependencies=[Depends(require_token)],
    responses=TOO_LARGE,
)
def import_symbols(body: SymbolsIn, registry: RegistryDep) -> RegistryChangeOut:
    """Register many symbols in one write, each with its own settings (the registry's
    other symbols are left as they are): what was added, updated, or registered exactly
    so already. A symbol given twice with different settings refuses the whole body
    (400), and nothing is registered. (A PATCH of the collection, not ``POST
    /symbols/import``: that path would be the symbol ``IMPORT``'s.)"""
    change = registry.register(
        [
            SymbolEntry(
                item.symbol,
                tuple(Timeframe(tf) for tf in item.timeframes),
                SessionKind(item.session),
                item.active,
                item.follow_renames,
            )
            for item in body.symbols
        ]
    )
    return RegistryChangeOut.of(change)


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
