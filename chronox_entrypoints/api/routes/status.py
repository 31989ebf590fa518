"""``/health`` and ``/info``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

import chronox_domain
from chronox_domain.errors import ChronoxError
from chronox_entrypoints.api.deps import BareContainerDep, ContainerDep, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS, HealthOut, InfoOut
from chronox_entrypoints.container import open_shared

router = APIRouter(
    tags=["status"], dependencies=[Depends(require_token_for_reads)], responses=ERRORS
)


@router.get("/health", response_model=HealthOut)
def health(c: BareContainerDep) -> HealthOut:
    """Store, events and vendor status (never the vendor key)."""
    settings = c.settings()
    try:
        open_shared(c)
        c.repository().counts()
        store = "ok"
    except ChronoxError as exc:
        store = f"unavailable: {exc}"
    vendor = "configured" if settings.polygon_api_key else "synthetic (demo data)"
    events = c.publisher().health()
    fine = store == "ok" and "unavailable" not in events
    return HealthOut(status="ok" if fine else "degraded", store=store, events=events, vendor=vendor)


@router.get("/info", response_model=InfoOut)
def info(c: ContainerDep) -> InfoOut:
    source = c.source()
    calendar = c.calendar()
    return InfoOut(
        version=chronox_domain.__version__,
        store=c.store().url,
        source=source.name,
        demo=source.demo,
        calendar=calendar.name,
        counts=c.repository().counts(),
    )
