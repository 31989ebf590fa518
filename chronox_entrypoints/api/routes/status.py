"""``/livez``, ``/health`` and ``/info``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chronox_domain.ports import MarketDataRepository
from chronox_domain.services.status import StatusService
from chronox_entrypoints.api.deps import BareContainerDep, ContainerDep, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS
from chronox_entrypoints.container import Container, open_shared
from chronox_presentation import HealthOut, InfoOut, LiveOut

#: /health needs the token like every read: its answer names the store, the event bus
#: and whether a vendor key is set, which is no business of anyone who can reach the port.
router = APIRouter(
    tags=["status"], dependencies=[Depends(require_token_for_reads)], responses=ERRORS
)
#: /livez is open: an orchestrator's liveness probe sends no token. It answers from the
#: process alone (no store, no bus), so it says nothing an anonymous caller may not know.
probe_router = APIRouter(tags=["status"])


@probe_router.get("/livez", response_model=LiveOut)
def livez() -> LiveOut:
    """200 while the process serves requests; no details (those are ``/health``'s)."""
    return LiveOut()


@router.get("/health", response_model=HealthOut)
def health(c: BareContainerDep) -> HealthOut:
    """Store, events and vendor status (never the vendor key)."""
    return HealthOut.of(_status(c).health())


@router.get("/info", response_model=InfoOut)
def info(c: ContainerDep) -> InfoOut:
    return InfoOut.of(c.store(), c.source(), c.calendar(), c.settings(), c.repository().counts())


def _status(c: Container) -> StatusService:
    """The status service over this app's store and publisher. The store opens as the
    check runs (with the resources others share, under their lock), so that one that
    cannot be reached is reported rather than raised."""

    def repository() -> MarketDataRepository:
        open_shared(c)
        found: MarketDataRepository = c.repository()
        return found

    return StatusService(
        repository=repository,
        publisher=c.publisher,
        vendor_configured=bool(c.settings().polygon_api_key),
    )
