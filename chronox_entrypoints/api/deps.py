"""Dependencies of the routes: the container's services, the bearer-token check, and
the paging of lists."""

from __future__ import annotations

import base64
import binascii
import bisect
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request
from starlette.requests import HTTPConnection

from chronox_domain.errors import InvalidInput, Unauthorized
from chronox_domain.services import CalendarService, CoverageService, RegistryService
from chronox_domain.services.actions import ActionsService
from chronox_domain.services.bars import BarsService
from chronox_domain.services.gaps import GapsService
from chronox_domain.services.jobs import JobService
from chronox_entrypoints.container import Container, open_shared
from chronox_entrypoints.settings import Settings

T = TypeVar("T")

UNAUTHORIZED_DETAIL = "a valid 'Authorization: Bearer <token>' header is required"


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


def provided(name: str) -> Callable[[Container], Any]:
    """A dependency that is the app's container's provider ``name``, called.

    The container comes from the app (``app.state``), not from dependency-injector's
    module wiring: wiring patches the route functions of a module for one container at a
    time, so two apps in one process (tests, or the monitor's server beside another)
    would each see the last one wired."""

    def dependency(c: ContainerDep) -> Any:
        return getattr(c, name)()

    dependency.__name__ = f"provided_{name}"
    return dependency


BarsDep = Annotated[BarsService, Depends(provided("bars"))]
CoverageDep = Annotated[CoverageService, Depends(provided("coverage"))]
GapsDep = Annotated[GapsService, Depends(provided("gaps"))]
RegistryDep = Annotated[RegistryService, Depends(provided("registry_service"))]
JobsDep = Annotated[JobService, Depends(provided("jobs"))]
ActionsDep = Annotated[ActionsService, Depends(provided("actions"))]
SessionsDep = Annotated[CalendarService, Depends(provided("sessions"))]


def configured_token(settings: Settings) -> str | None:
    """The API token, or None when none is configured. A token that is set but empty
    (``CHRONOX_API_TOKEN=``) is refused: it would otherwise read as "a token is set"
    and switch authentication off."""
    if settings.api_token is None:
        return None
    token = settings.api_token.get_secret_value().strip()
    if not token:
        raise InvalidInput(
            "CHRONOX_API_TOKEN is set but empty: set a real token, or unset it to serve "
            "on loopback without one"
        )
    return token


def token_matches(token: str | None, authorization: str | None) -> bool:
    """True when no token is configured, or ``authorization`` is ``Bearer <token>``."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return False
    # Constant time: a wrong token must not tell how much of it was right.
    return hmac.compare_digest(given.encode(), token.encode())


#: The WebSocket subprotocol a browser names (it cannot set a header on a WebSocket), and
#: the prefix of the one that carries the token: ``chronox.bearer.<base64url, no padding>``.
WS_PROTOCOL = "chronox.v1"
WS_BEARER_PREFIX = "chronox.bearer."
#: base64url of a token of up to 3 KiB: longer is no token of ours.
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,4096}")


def bearer_of_subprotocols(offered: Sequence[str]) -> str | None:
    """``Bearer <token>`` from the first ``chronox.bearer.`` subprotocol ``offered``, or
    None when there is none. One that does not decode yields a header that matches no
    token (refused like a wrong token, not ignored)."""
    for protocol in offered:
        if not protocol.startswith(WS_BEARER_PREFIX):
            continue
        encoded = protocol.removeprefix(WS_BEARER_PREFIX)
        if not _BASE64URL.fullmatch(encoded):
            return "Bearer "
        try:
            token = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "Bearer "
        return f"Bearer {token}"
    return None


def check_token(connection: HTTPConnection, authorization: str | None) -> None:
    """Raises ``Unauthorized`` unless ``authorization`` carries the API token (if any)."""
    if not token_matches(connection.app.state.token, authorization):
        raise Unauthorized(UNAUTHORIZED_DETAIL)


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Guards mutating routes whenever CHRONOX_API_TOKEN is set. (The ``BodyGuard``
    middleware has checked it already, before any body was read: this states it in the
    OpenAPI document and guards a route that some other stack might mount.)"""
    check_token(request, authorization)


def require_token_for_reads(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Guards a read whenever CHRONOX_API_TOKEN is set, unless reads were opened
    explicitly (CHRONOX_API_AUTH_READS=false)."""
    if request.app.state.guard_reads:
        check_token(request, authorization)


#: Items per page of a list (``GET /symbols``, ``GET /jobs``): the default, and the most.
DEFAULT_PAGE = 100
MAX_PAGE = 1_000


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None

    def cut(
        self, items: Sequence[T], key: Callable[[T], str], *, ordered: bool = False
    ) -> tuple[list[T], str | None]:
        """The page of ``items`` that starts at the cursor, and the cursor of the next
        page (None on the last one).

        ``ordered``: the items are sorted by ``key``, and a page starts at the first
        item at or after the cursor (an item removed meanwhile loses nothing). Otherwise
        the cursor must be the key of an item: one that has gone (an expired job) is
        refused, as starting over silently would repeat or skip items."""
        keys = [key(item) for item in items]
        first = 0
        if self.cursor is not None and ordered:
            first = bisect.bisect_left(keys, self.cursor)
        elif self.cursor is not None:
            if self.cursor not in keys:
                raise InvalidInput(
                    f"cursor {self.cursor!r} is not in the list (any more): ask again without it"
                )
            first = keys.index(self.cursor)
        last = first + self.limit
        return list(items[first:last]), keys[last] if last < len(keys) else None


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description=f"items per page (at most {MAX_PAGE})")
    ] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9.-]{1,64}$", description="next_cursor of the previous page"),
    ] = None,
) -> PageParams:
    return PageParams(limit, cursor)


PageDep = Annotated[PageParams, Depends(page_params)]
