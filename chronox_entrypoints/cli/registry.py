"""``registry``: the symbols that ``backfill`` keeps complete."""

from __future__ import annotations

import click

from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import SESSION, TIMEFRAME, json_option, store_option
from chronox_entrypoints.cli.render import emit_json, table
from chronox_presentation import SymbolOut


@click.group()
def registry() -> None:
    """The symbols that `backfill` keeps complete."""


@registry.command("list")
@click.option("--active", "active_only", is_flag=True, help="Only active symbols.")
@store_option
@json_option
def list_(active_only: bool, store: str | None, as_json: bool) -> None:
    """List registered symbols."""
    with running(store=store) as container:
        entries = container.registry_service().entries(active_only)
    if as_json:
        emit_json([SymbolOut.of(entry) for entry in entries])
    elif not entries:
        click.echo("the registry is empty (add a symbol with: chronox-cli registry add SYMBOL)")
    else:
        table(
            ["symbol", "timeframes", "session", "active", "renames"],
            [
                (
                    e.symbol,
                    ",".join(tf.value for tf in e.timeframes),
                    e.session.value,
                    "yes" if e.active else "no",
                    "follow" if e.follow_renames else "literal",
                )
                for e in entries
            ],
        )


@registry.command()
@click.argument("symbol")
@click.option(
    "--timeframe",
    "-t",
    "timeframes",
    type=TIMEFRAME,
    multiple=True,
    help="Repeat for several timeframes. Default: 1m.",
)
@click.option("--session", type=SESSION, default="rth", show_default=True)
@click.option("--inactive", is_flag=True, help="Register but leave out of backfills.")
@click.option(
    "--follow-renames/--no-follow-renames",
    default=True,
    show_default=True,
    help="Fetch the company's history before a ticker change under the ticker that "
    "traded then (FB's for META), stored as SYMBOL; --no-follow-renames asks only the "
    "literal ticker (the sessions before its change are then unlisted).",
)
@store_option
@json_option
def add(
    symbol: str,
    timeframes: tuple[Timeframe, ...],
    session: SessionKind,
    inactive: bool,
    follow_renames: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Register SYMBOL (or change its settings)."""
    with running(store=store) as container:
        entry = container.registry_service().add(
            symbol, timeframes or (Timeframe.M1,), session, not inactive, follow_renames
        )
    if as_json:
        emit_json(SymbolOut.of(entry))
    else:
        frames = ",".join(tf.value for tf in entry.timeframes)
        literal = "" if entry.follow_renames else ", literal ticker"
        click.echo(f"registered {entry.symbol} ({frames}, {entry.session.value}{literal})")


@registry.command()
@click.argument("symbol")
@store_option
def remove(symbol: str, store: str | None) -> None:
    """Unregister SYMBOL (its stored bars stay)."""
    with running(store=store) as container:
        container.registry_service().remove(symbol)
    click.echo(f"removed {parse_symbol(symbol)}")
