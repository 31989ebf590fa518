"""``/symbols``: the registry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api.deps import RegistryDep, require_token, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS, ErrorOut, SymbolIn, SymbolOut, SymbolPath

router = APIRouter(
    prefix="/symbols",
    tags=["symbols"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


def _out(entry: SymbolEntry) -> SymbolOut:
    return SymbolOut(
        symbol=entry.symbol,
        timeframes=[tf.value for tf in entry.timeframes],
        session=entry.session.value,
        active=entry.active,
    )


@router.get("", response_model=list[SymbolOut])
def list_symbols(registry: RegistryDep, active: bool = False) -> list[SymbolOut]:
    return [_out(entry) for entry in registry.entries(active)]


@router.post("", response_model=SymbolOut, status_code=201, dependencies=[Depends(require_token)])
def add_symbol(body: SymbolIn, registry: RegistryDep) -> SymbolOut:
    entry = registry.add(
        body.symbol,
        [Timeframe(tf) for tf in body.timeframes],
        SessionKind(body.session),
        body.active,
    )
    return _out(entry)


@router.get("/{symbol}", response_model=SymbolOut, responses={404: {"model": ErrorOut}})
def get_symbol(symbol: SymbolPath, registry: RegistryDep) -> SymbolOut:
    return _out(registry.get(symbol))


@router.delete(
    "/{symbol}",
    status_code=204,
    dependencies=[Depends(require_token)],
    responses={404: {"model": ErrorOut}},
)
def remove_symbol(symbol: SymbolPath, registry: RegistryDep) -> Response:
    registry.remove(symbol)
    return Response(status_code=204)
