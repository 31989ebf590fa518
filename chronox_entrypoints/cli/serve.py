"""``serve``: the REST API under uvicorn."""

from __future__ import annotations

import ipaddress

import click

from chronox_domain.errors import InvalidInput
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.extras import require_extra
from chronox_entrypoints.cli.options import store_option


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
@store_option
def serve(host: str, port: int, store: str | None) -> None:
    """Serve the REST API (OpenAPI at /docs)."""
    require_extra("chronox-cli serve", "api", "fastapi", "uvicorn", "websockets")
    import uvicorn

    from chronox_entrypoints.api import create_app
    from chronox_entrypoints.api.deps import configured_token

    with running(store=store) as container:
        # An empty CHRONOX_API_TOKEN is refused here, before the address is looked at.
        if configured_token(container.settings()) is None and not is_loopback(host):
            raise InvalidInput(
                f"refusing to serve on {host} without CHRONOX_API_TOKEN: anyone could "
                "trigger backfills; set a token or bind to 127.0.0.1"
            )
        uvicorn.run(create_app(container), host=host, port=port, log_level="info")
