"""The FastAPI application: ``create_app(container)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import chronox_domain
from chronox_domain.errors import ChronoxError
from chronox_domain.redaction import url_secrets
from chronox_entrypoints.api import errors
from chronox_entrypoints.api.deps import configured_token
from chronox_entrypoints.api.docs import install_docs
from chronox_entrypoints.api.guard import RequestGuard
from chronox_entrypoints.api.routes import (
    actions,
    bars,
    gaps,
    jobs,
    metrics,
    sessions,
    status,
    symbols,
    ws,
)
from chronox_entrypoints.api.timing import RequestTiming
from chronox_entrypoints.api.ui import assets_directory, install_ui
from chronox_entrypoints.container import Container, open_shared
from chronox_entrypoints.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """Market bars, their gaps against the exchange calendar, and backfills.

Errors are `{"error": code, "detail": text}`. With a token configured, every route but
the docs and `GET /livez` (liveness: `{"status": "ok"}`, nothing more) needs
`Authorization: Bearer <token>` (reads can be opened with `CHRONOX_API_AUTH_READS=false`,
mutations never), checked before a body is read. The web dashboard is served at `/ui/`
(the page needs no token: it asks for it, and sends it with each call). A body past
`CHRONOX_API_MAX_BODY_BYTES` (64 KiB) is a 413.
Lists (`/symbols`, `/jobs`) come in pages: `limit` (100, at most 1,000) and `cursor`.

**Live bars** (not a route OpenAPI can describe): `WS /ws/bars?symbols=SPY,AAPL&timeframe=1m
&replay=N` sends one JSON frame per stored bar (the fields of a bar, plus `symbol`,
`timeframe`, `provisional`, `source`); bad input closes it with 1008 after an error frame,
an unavailable feed with 1011. A browser, which cannot set a header on a WebSocket, sends
the token as the subprotocol `chronox.bearer.<base64url of the token, no padding>` beside
`chronox.v1` (the one the server accepts); never in the query string.
**Metrics**: `GET /metrics`, Prometheus text format."""


def create_app(container: Container, *, announce_ui: bool = True) -> FastAPI:
    """The API over ``container``'s services; its resources close when the app stops.

    ``announce_ui``: log once that the web dashboard is not built, if it is not (the
    monitor's own server leaves it unsaid: its user did not ask for a browser page).
    Raises ``InvalidInput`` for a token that is set but empty."""
    settings = container.settings()
    token = configured_token(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(_warm_up, container)
        try:
            yield
        finally:
            container.shutdown_resources()

    app = FastAPI(
        title="chronox",
        version=chronox_domain.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs: the pages' assets from this server, not a CDN
        redoc_url=None,
    )
    app.state.container = container
    app.state.token = token
    app.state.secrets = secrets_of(settings)
    app.state.guard_reads = bool(token and settings.api_auth_reads)
    errors.install(app)
    install_docs(app)
    install_ui(app, assets_directory(settings.ui_assets), announce=announce_ui)
    routers = (status.router, metrics.router, symbols.router, bars.router, gaps.router)
    for router in (
        status.probe_router,
        *routers,
        sessions.router,
        jobs.router,
        actions.router,
        ws.router,
    ):
        app.include_router(router)
    counters = container.metrics()
    counters.watch_jobs(lambda: container.job_queue().listing())
    app.add_middleware(RequestGuard, token=token, max_body=settings.api_max_body_bytes)
    app.add_middleware(RequestTiming, metrics=counters)
    if settings.cors_origins:  # off unless configured: a browser page may not call us
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """What this deployment knows to be secret, masked in any text an answer relays."""
    keys = (settings.api_token, settings.polygon_api_key)
    found = [key.get_secret_value() for key in keys if key is not None]
    for url in (settings.store, settings.redis_url):
        found.extend(url_secrets(url))
    return tuple(secret for secret in found if secret.strip())


def _warm_up(container: Container) -> None:
    """Open what every request shares before the first one arrives, so that the first
    burst neither waits for the calendar nor races to open the store. A store that is
    down does not stop the server: /health says so, and requests answer 503 until it is
    back."""
    container.calendar()
    try:
        open_shared(container)
    except ChronoxError as exc:
        log.warning("the API starts without its store: %s", exc)
