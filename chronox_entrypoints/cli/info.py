"""``info``: what this chronox is connected to and how much it holds."""

from __future__ import annotations

import click

import chronox_domain
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.render import emit_json, source_label


@click.command()
@store_option
@json_option
def info(store: str | None, as_json: bool) -> None:
    """Version, store, source, calendar and counts."""
    with running(store=store) as container:
        settings = container.settings()
        source = container.source()
        calendar = container.calendar()
        store_handle = container.store()
        counts = dict(container.repository().counts())
        counts["registry_symbols"] = len(container.registry().entries())
    body = {
        "version": chronox_domain.__version__,
        "store": store_handle.url,
        "store_kind": store_handle.kind,
        "source": source.name,
        "demo": source.demo,
        "calendar": calendar.name,
        "calendar_range": [calendar.first_date.isoformat(), calendar.last_date.isoformat()],
        "settle_minutes": settings.settle_minutes,
        "mode": settings.mode,
        "vendor_key": "set" if settings.polygon_api_key else "not set",
        "events": settings.redis_secret_free_url or "in-process",
        "counts": counts,
    }
    if as_json:
        emit_json(body)
        return
    rows = [
        ("store", f"{store_handle.url} ({store_handle.kind})"),
        ("source", source_label(source.name, source.demo)),
        ("calendar", f"{calendar.name} ({calendar.first_date} .. {calendar.last_date})"),
        ("settle", f"{settings.settle_minutes} min"),
        ("pipeline mode", settings.mode),
        ("vendor key", body["vendor_key"]),
        ("events", body["events"]),
        *((name.replace("_", " "), value) for name, value in counts.items()),
    ]
    click.echo(f"chronox {body['version']}")
    for name, value in rows:
        click.echo(f"{name + ':':<18}{value}")
