"""``db migrate`` and ``db status``: the store's schema, and on PostgreSQL what the
server offers of TimescaleDB (installed, preloaded, created) and the mode in use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from chronox_entrypoints.cli.app import command_settings
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.render import emit_json
from chronox_entrypoints.stores import (
    RAW_BASIS_NOTE,
    SchemaReport,
    raw_basis_pending,
    schema_admin,
    scheme_of,
)

if TYPE_CHECKING:
    from chronox_entrypoints.settings import Settings


@click.group()
def db() -> None:
    """The store's schema: status and migrations."""


@db.command()
@store_option
@json_option
def status(store: str | None, as_json: bool) -> None:
    """Show the schema version, the mode and what is pending (changes nothing)."""
    settings = command_settings(store=store)
    with schema_admin(settings, apply=False) as report:
        show(report, as_json, timescale_facts(settings, report))
    if raw_basis_pending(report):
        click.echo(RAW_BASIS_NOTE, err=True)


@db.command()
@store_option
@json_option
def migrate(store: str | None, as_json: bool) -> None:
    """Apply pending migrations (safe to run from several machines at once)."""
    settings = command_settings(store=store)
    with schema_admin(settings, apply=False) as before:
        if raw_basis_pending(before):
            click.echo(RAW_BASIS_NOTE, err=True)
    with schema_admin(settings, apply=True) as report:
        show(report, as_json, timescale_facts(settings, report))


def timescale_facts(settings: Settings, report: SchemaReport) -> dict[str, Any]:
    """On PostgreSQL: the server's timescaledb facts and the modes in use and on migrate."""
    if scheme_of(settings.store_url) != "postgresql":
        return {}
    from chronox_adapters.timescale import server_support

    support = server_support(settings.store_url)
    in_use = report.kind if report.kind in ("plain", "timescale") else None
    return {
        "timescaledb": support.as_dict(),
        "mode_in_use": in_use,
        "mode_on_migrate": in_use or support.mode_for(settings.pg_mode),
        "timescaledb_summary": support.summary,
    }


def show(report: SchemaReport, as_json: bool, facts: dict[str, Any] | None = None) -> None:
    facts = facts or {}
    if as_json:
        emit_json(
            {
                "store": report.store,
                "kind": report.kind,
                "version": report.current,
                "latest": report.latest,
                "pending": report.pending,
                **report.details,
                **facts,
            }
        )
        return
    click.echo(f"store:   {report.store} ({report.kind})")
    click.echo(f"schema:  version {report.current} of {report.latest}")
    if "mode" in report.details:
        mode = report.details["mode"]
        if facts and facts["mode_in_use"] is None:
            mode = f"{mode} (db migrate creates it in {facts['mode_on_migrate']} mode)"
        click.echo(f"mode:    {mode}")
    if facts:
        click.echo(f"timescaledb: {facts['timescaledb_summary']}")
        hint = facts["timescaledb"]["hint"]
        if facts["mode_in_use"] == "timescale":
            hint = None
        elif facts["mode_in_use"] == "plain":
            hint = "this store was created in plain mode and stays so; " + (
                f"for TimescaleDB in a new database, {hint}"
                if hint
                else "a new database would get TimescaleDB"
            )
        if hint:
            click.echo(f"hint:    {hint}")
    click.echo("pending: " + (", ".join(report.pending) if report.pending else "none"))
