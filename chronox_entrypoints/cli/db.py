"""``db migrate`` and ``db status``: the store's schema."""

from __future__ import annotations

import click

from chronox_entrypoints.cli.app import load_settings
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.render import emit_json
from chronox_entrypoints.stores import SchemaReport, schema_admin


@click.group()
def db() -> None:
    """The store's schema: status and migrations."""


@db.command()
@store_option
@json_option
def status(store: str | None, as_json: bool) -> None:
    """Show the schema version and what is pending (changes nothing)."""
    with schema_admin(load_settings(store=store), apply=False) as report:
        show(report, as_json)


@db.command()
@store_option
@json_option
def migrate(store: str | None, as_json: bool) -> None:
    """Apply pending migrations (safe to run from several machines at once)."""
    with schema_admin(load_settings(store=store), apply=True) as report:
        show(report, as_json)


def show(report: SchemaReport, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "store": report.store,
                "kind": report.kind,
                "version": report.current,
                "latest": report.latest,
                "pending": report.pending,
                **report.details,
            }
        )
        return
    click.echo(f"store:   {report.store} ({report.kind})")
    click.echo(f"schema:  version {report.current} of {report.latest}")
    if "mode" in report.details:
        click.echo(f"mode:    {report.details['mode']}")
    click.echo("pending: " + (", ".join(report.pending) if report.pending else "none"))
