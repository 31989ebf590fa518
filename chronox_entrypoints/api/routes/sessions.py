"""``/sessions``: the exchange's trading sessions (what a calendar-slot axis lays out)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from chronox_domain.session import SessionKind
from chronox_entrypoints.api.deps import SessionsDep, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS, EndParam, StartParam
from chronox_entrypoints.bounds import parse_bound
from chronox_presentation import SessionOut

router = APIRouter(
    tags=["calendar"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.get("/sessions", response_model=list[SessionOut])
def sessions(
    service: SessionsDep,
    start: StartParam = None,
    end: EndParam = None,
    session: Literal["rth", "eth"] = "rth",
) -> list[SessionOut]:
    """Sessions dated ``start``..``end`` (inclusive; default: the week up to today at the
    exchange), sorted by date, each with its open and close (UTC) and whether it closes
    early."""
    found = service.sessions(parse_bound(start), parse_bound(end), SessionKind(session))
    return [SessionOut.of(day) for day in found]
