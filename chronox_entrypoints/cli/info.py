"""``info``: what this chronox is connected to and how much it holds."""

from __future__ import annotations

import click

from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.render import emit_json, source_label
from chronox_presentation import InfoDetailOut


@click.command()
@store_option
@json_option
def info(store: str | None, as_json: bool) -> None:
    """Version, store, source, calendar and counts."""
    with running(store=store) as container:
        counts = dict(container.repository().counts())
        counts["registry_symbols"] = len(container.registry().entries())
        body = InfoDetailOut.of(
            container.store(),
            container.source(),
            container.calendar(),
            container.settings(),
            counts,
        )
    if as_json:
        emit_json(body)
        return
    first, last = body.calendar_range
    rows = [
        ("store", f"{body.store} ({body.store_kind})"),
        ("source", source_label(body.source, body.demo)),
        ("calendar", f"{body.calendar} ({first} .. {last})"),
        ("settle", f"{body.settle_minutes} min"),
        ("pipeline mode", body.mode),
        ("vendor key", body.vendor_key),
        ("events", body.events),
        *((name.replace("_", " "), value) for name, value in body.counts.items()),
    ]
    click.echo(f"chronox {body.version}")
    for name, value in rows:
        click.echo(f"{name + ':':<18}{value}")
