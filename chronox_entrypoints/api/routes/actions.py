"""``/actions``: each symbol's corporate actions, and syncing them from the vendor."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.convertors import StringConvertor, register_url_convertor

from chronox_entrypoints.api.deps import (
    ActionsDep,
    ContainerDep,
    require_token,
    require_token_for_reads,
)
from chronox_entrypoints.api.errors import TOO_LARGE
from chronox_entrypoints.api.schemas import ERRORS, ActionsSyncIn, ErrorOut, SymbolPath
from chronox_presentation import ActionsOut, ActionsSyncOut


class _NotSync(StringConvertor):
    """A path segment other than ``sync`` exactly: ``/actions/sync`` is the sync's own
    route (POST), so a GET of it is a 405 that names POST, as the OpenAPI document says,
    not the actions of a ticker "sync" (ask ``/actions/SYNC`` for those)."""

    regex = "(?!sync$)[^/]+"


# Starlette keeps its path convertors in one table, by name: this one is ours alone.
register_url_convertor("not_sync", _NotSync())

router = APIRouter(
    prefix="/actions",
    tags=["actions"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get(
    "/{symbol:not_sync}",
    response_model=ActionsOut,
    responses={404: {"model": ErrorOut, "description": "Never synced (POST /actions/sync)"}},
)
def get_actions(symbol: SymbolPath, actions: ActionsDep) -> ActionsOut:
    """The splits, cash dividends, ticker changes and listing period stored of
    ``symbol``, as the vendor gave them at ``fetched_at``. Bars are not adjusted by them
    on read yet."""
    return ActionsOut.of(actions.actions(symbol))


@router.post(
    "/sync",
    response_model=ActionsSyncOut,
    dependencies=[Depends(require_token)],
    responses=TOO_LARGE,
)
def sync_actions(body: ActionsSyncIn, actions: ActionsDep, c: ContainerDep) -> ActionsSyncOut:
    """Fetch the actions of ``symbols`` (none: every active registry symbol) from the
    vendor and store them; a symbol fetched today (New York's date) is not asked again
    unless ``force``. Answered when done, symbol by symbol: tickers the vendor does not
    know in ``unknown``, vendor failures in ``failed``. With a source that has no
    corporate actions (synthetic, files), ``has_actions`` is false and nothing is
    asked."""
    settings = c.settings()
    report = actions.sync(body.symbols, body.force, most=settings.api_max_backfill_symbols)
    return ActionsSyncOut.of(report, settings.source_name)
