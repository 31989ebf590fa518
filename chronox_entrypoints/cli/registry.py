"""``registry``: the symbols that ``backfill`` keeps complete."""

from __future__ import annotations

from typing import TextIO

import click

from chronox_domain.registry import RegistryChange, SymbolEntry
from chronox_domain.registry_file import read_registry_file
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import SESSION, TIMEFRAME, F, json_option, store_option
from chronox_entrypoints.cli.render import emit_json, table
from chronox_presentation import RegistryChangeOut, SymbolOut


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


def entry_options(func: F) -> F:
    """The settings ``add`` gives every symbol and ``import`` every line that leaves
    them out."""
    for option in reversed(
        [
            click.option(
                "--timeframe",
                "-t",
                "timeframes",
                type=TIMEFRAME,
                multiple=True,
                help="Repeat for several timeframes. Default: 1m.",
            ),
            click.option("--session", type=SESSION, default="rth", show_default=True),
            click.option("--inactive", is_flag=True, help="Register but leave out of backfills."),
            click.option(
                "--follow-renames/--no-follow-renames",
                default=True,
                show_default=True,
                help="Fetch the company's history before a ticker change under the ticker "
                "that traded then (FB's for META), stored as SYMBOL; --no-follow-renames "
                "asks only the literal ticker (the sessions before its change are then "
                "unlisted).",
            ),
            store_option,
            json_option,
        ]
    ):
        func = option(func)
    return func


@registry.command()
@click.argument("symbols", nargs=-1, required=True)
@entry_options
def add(
    symbols: tuple[str, ...],
    timeframes: tuple[Timeframe, ...],
    session: SessionKind,
    inactive: bool,
    follow_renames: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Register SYMBOLS (or change their settings), all in one write: a malformed
    symbol refuses the command and nothing is registered."""
    with running(store=store) as container:
        change = container.registry_service().add_many(
            symbols, timeframes, session, not inactive, follow_renames
        )
    _show(change, as_json)


@registry.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@entry_options
def import_(
    file: TextIO,
    timeframes: tuple[Timeframe, ...],
    session: SessionKind,
    inactive: bool,
    follow_renames: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Register every symbol of FILE ('-': standard input), all in one write.

    \b
    FILE is either one symbol a line:
        AAPL
        BRK.B
    or a CSV whose header is symbol,timeframes,session:
        symbol,timeframes,session
        AAPL,1m|1d,eth
        MSFT,,
    timeframes are separated by '|' or spaces (never commas); an empty cell takes
    the option's value (-t, --session). Lines starting with '#' and blank lines are
    skipped. A bad line refuses the whole file, naming FILE:LINE; nothing is
    registered then.
    """
    defaults = SymbolEntry(
        "X", timeframes or (Timeframe.M1,), session, not inactive, follow_renames
    )
    entries = read_registry_file(file.name, file, defaults)
    with running(store=store) as container:
        change = container.registry_service().register(entries)
    _show(change, as_json)


def _show(change: RegistryChange, as_json: bool) -> None:
    if as_json:
        emit_json(RegistryChangeOut.of(change))
        return
    if len(change.entries) == 1:
        entry = change.entries[0]
        frames = ",".join(tf.value for tf in entry.timeframes)
        literal = "" if entry.follow_renames else ", literal ticker"
        click.echo(f"registered {entry.symbol} ({frames}, {entry.session.value}{literal})")
        return
    click.echo(
        f"registered {len(change.entries)} symbols: {len(change.added)} added, "
        f"{len(change.updated)} updated, {len(change.unchanged)} already present"
    )


@registry.command()
@click.argument("symbol")
@store_option
def remove(symbol: str, store: str | None) -> None:
    """Unregister SYMBOL (its stored bars stay)."""
    with running(store=store) as container:
        container.registry_service().remove(symbol)
    click.echo(f"removed {parse_symbol(symbol)}")
