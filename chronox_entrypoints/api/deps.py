"""Dependencies of the routes: the container's services, and the bearer-token check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from chronox_domain.services import CoverageService, RegistryService
from chronox_domain.services.bars import BarsService
from chronox_domain.services.jobs import JobService
from chronox_entrypoints.api.errors import Unauthorized
from chronox_entrypoints.container import Container, open_shared


def container(request: Request) -> Container:
    """The app's container with its shared resources open (a 503 while the store is
    unreachable)."""
    found: Container = request.app.state.container
    open_shared(found)
    return found


def bare_container(request: Request) -> Container:
    """The app's container, its resources as they are: for /health, which reports an
    unreachable store rather than failing with it."""
    found: Container = request.app.state.container
    return found


ContainerDep = Annotated[Container, Depends(container)]
BareContainerDep = Annotated[Container, Depends(bare_container)]


def bars_service(c: ContainerDep) -> BarsService:
    service: BarsService = c.bars()
    return service


def coverage_service(c: ContainerDep) -> CoverageService:
    service: CoverageService = c.coverage()
    return service


def registry_service(c: ContainerDep) -> RegistryService:
    service: RegistryService = c.registry_service()
    return service


def job_service(c: ContainerDep) -> JobService:
    service: JobService = c.jobs()
    return service


BarsDep = Annotated[BarsService, Depends(bars_service)]
CoverageDep = Annotated[CoverageService, Depends(coverage_service)]
RegistryDep = Annotated[RegistryService, Depends(registry_service)]
JobsDep = Annotated[JobService, Depends(job_service)]


def check_token(connection: HTTPConnection, authorization: str | None) -> None:
    """Raises ``Unauthorized`` unless ``authorization`` carries the API token (if any)."""
    token: str | None = connection.app.state.token
    if token is None:
        return
    given = (authorization or "").removeprefix("Bearer ").strip()
    # Constant time: a wrong token must not tell how much of it was right.
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Guards mutating routes whenever CHRONOX_API_TOKEN is set."""
    check_token(request, authorization)


def require_token_for_reads(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Guards every route when CHRONOX_API_AUTH_READS is also set."""
    if request.app.state.guard_reads:
        check_token(request, authorization)
