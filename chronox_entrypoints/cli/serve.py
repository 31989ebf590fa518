"""``serve``: the REST API under uvicorn, in one process or several.

With ``--workers N`` uvicorn starts N worker processes that share the listening socket
(the kernel hands each connection to one of them) and restarts one that dies. Each
worker builds its own container from the environment (``--store`` is put there for
them) and shares nothing with the others but the store and Redis: the store must be a
file or a server several processes can open (SQLite, whose WAL and write lock serve
several processes, or PostgreSQL), and Redis must carry the backfill jobs, their
progress and the live bars (``CHRONOX_REDIS_URL``), or a job posted to one worker would
be unknown to the next and a bar stored by one never reach a WebSocket of another.
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

import click

from chronox_domain.errors import InvalidInput
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.extras import require_extra
from chronox_entrypoints.cli.options import store_option

if TYPE_CHECKING:
    from fastapi import FastAPI

    from chronox_entrypoints.settings import Settings

#: What uvicorn imports in each worker process of ``serve --workers N`` (and calls).
WORKER_APP = "chronox_entrypoints.cli.serve:worker_app"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (each its own container). More than 1 needs a SQLite or "
    "PostgreSQL store and CHRONOX_REDIS_URL: they share nothing else.",
)
@store_option
def serve(host: str, port: int, workers: int, store: str | None) -> None:
    """Serve the REST API (OpenAPI at /docs)."""
    require_extra("chronox-cli serve", "api", "fastapi", "uvicorn", "websockets")
    import uvicorn

    from chronox_entrypoints.api import create_app
    from chronox_entrypoints.api.deps import configured_token

    with running(store=store) as container:
        settings = container.settings()
        # An empty CHRONOX_API_TOKEN is refused here, before the address is looked at.
        if configured_token(settings) is None and not is_loopback(host):
            raise InvalidInput(
                f"refusing to serve on {host} without CHRONOX_API_TOKEN: anyone could "
                "trigger backfills; set a token or bind to 127.0.0.1"
            )
        if workers == 1:
            uvicorn.run(create_app(container), host=host, port=port, log_level="info")
            return
        check_shared(settings, workers)
        if store:  # the workers read their settings from the environment
            os.environ["CHRONOX_STORE"] = store
        uvicorn.run(
            WORKER_APP, factory=True, workers=workers, host=host, port=port, log_level="info"
        )


def check_shared(settings: Settings, workers: int) -> None:
    """Refuse, in one line, a deployment whose worker processes would not share their
    state: a store of their own each, or jobs and live bars that stay in one process."""
    if settings.store_kind == "memory":
        raise InvalidInput(
            f"--workers {workers} needs a store the worker processes share: a memory:// "
            "store is one per process (use SQLite or PostgreSQL)"
        )
    if settings.transport != "redis":
        raise InvalidInput(
            f"--workers {workers} needs CHRONOX_REDIS_URL: backfill jobs, their progress "
            "and live bars pass between the worker processes through Redis"
        )


def worker_app() -> FastAPI:
    """The app of one worker process of ``serve --workers N`` (uvicorn calls this in
    each): its own container, over the settings of the environment, validated as the
    command validated them; the app's lifespan opens its resources and closes them."""
    from chronox_entrypoints.api import create_app
    from chronox_entrypoints.cli.app import command_settings
    from chronox_entrypoints.cli.logs import configure_logging
    from chronox_entrypoints.container import Container

    configure_logging()
    return create_app(Container(settings=command_settings()))
