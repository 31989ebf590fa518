"""``actions``: each symbol's corporate actions (splits, dividends, renames, listing).

``actions SYMBOL`` lists what the store holds (``actions show SYMBOL`` spelt out);
``actions sync [SYMBOL...]`` fetches them from the vendor, at most once a day each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from chronox_domain.services.actions import SYNC_COUNTERS, ActionsSyncReport
from chronox_domain.timeformat import iso_utc
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import emit_json, table
from chronox_presentation import ActionsOut, ActionsSyncOut, action_rows
from chronox_presentation.actions import last_traded

#: Symbols a line of the sync's report names before it says "and N more".
_NAMED = 10


class _ActionsGroup(click.Group):
    """A group whose arguments, when the first is no subcommand, are those of ``show``:
    ``actions AAPL --json`` (or ``actions --json AAPL``) is ``actions show AAPL --json``."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            args = ["show", *args]
        return super().resolve_command(ctx, args)


# The group's own options are --help alone: any other is show's (``actions --json AAPL``).
@click.group(cls=_ActionsGroup, context_settings={"ignore_unknown_options": True})
def actions() -> None:
    """Corporate actions: `actions SYMBOL` lists them, `actions sync` fetches them.

    Splits, cash dividends, ticker changes and the listing period of each symbol, from
    the vendor's reference data. Bars are not adjusted by them on read yet.
    """


@actions.command()
@click.argument("symbol")
@store_option
@json_option
def show(symbol: str, store: str | None, as_json: bool) -> None:
    """List the stored corporate actions of SYMBOL (also: `actions SYMBOL`)."""
    with running(store=store) as container:
        found = ActionsOut.of(container.actions().actions(symbol))
    if as_json:
        emit_json(found)
        return
    rows = action_rows(found)
    fetched = iso_utc(found.fetched_at)
    if not rows:
        click.echo(f"{found.symbol}: no corporate actions known (fetched {fetched})")
        return
    click.echo(f"{found.symbol}: corporate actions fetched {fetched}")
    table(["kind", "date", "details"], [(r["kind"], r["date"], details(r)) for r in rows])


def details(row: dict[str, Any]) -> str:
    """What one action of :func:`action_rows` did, in words."""
    kind = row["kind"]
    if kind == "split":
        kind_text = str(row["adjustment_type"]).replace("_", " ")
        text = f"{row['split_to']:g}-for-{row['split_from']:g} {kind_text}"
        factor = row["historical_adjustment_factor"]
        return text if factor is None else f"{text}, vendor factor {factor:.6g}"
    if kind == "dividend":
        text = f"{row['cash_amount']:g} {row['currency']}"
        said = [
            row["distribution_type"],
            row["pay_date"] and f"paid {row['pay_date']}",
            row["record_date"] and f"record {row['record_date']}",
            row["declaration_date"] and f"declared {row['declaration_date']}",
        ]
        return ", ".join([text, *(part for part in said if part)])
    if kind == "ticker_change":
        return f"{row['old_ticker']} -> {row['new_ticker']}"
    if kind == "delisted":
        return f"no session from this date (last traded {last_traded(row['date'])})"
    return "first session" + ("" if row["active"] else " (inactive)")


@actions.command()
@click.argument("symbols", nargs=-1)
@click.option("--force", is_flag=True, help="Fetch again the symbols fetched today already.")
@store_option
@json_option
def sync(symbols: tuple[str, ...], force: bool, store: str | None, as_json: bool) -> None:
    """Fetch the corporate actions of SYMBOLS (none: every active registry symbol).

    A symbol fetched today (New York's date) is not asked again unless --force: at most
    one request per endpoint per symbol per day. A ticker the vendor does not know is
    reported (exit code 2), the others are synced; a vendor failure too (exit code 3).
    """
    with running(store=store) as container:
        service = container.actions()
        settings = container.settings()
        if service.has_source:
            bar = None if as_json else "syncing"
            every = settings.progress_log_seconds
            with progress_of(
                "actions sync", "symbols", every, counters=SYNC_COUNTERS, bar=bar
            ) as progress:
                report = service.sync(symbols, force, progress=progress, counted=progress.add)
        else:
            report = service.sync(symbols, force)
    if as_json:
        emit_json(ActionsSyncOut.of(report, settings.source_name))
    else:
        for line in sync_lines(report, settings.source_name):
            click.echo(line)
    problem = report.problem()
    if problem is not None:
        raise problem


def sync_lines(report: ActionsSyncReport, source: str) -> list[str]:
    """The fetched and fresh symbols; the unknown and failed ones are the error line."""
    if not report.has_source:
        return [
            f"the {source} source has no corporate actions: nothing to sync "
            "(the vendor's come with POLYGON_API_KEY)"
        ]
    if not report.asked:
        return [
            "nothing to sync: the registry has no active symbol "
            "(add one with: chronox-cli registry add SYMBOL)"
        ]
    lines = []
    if report.fetched:
        lines.append(f"fetched: {_named(report.fetched)}")
    if report.fresh:
        lines.append(
            f"fresh (fetched today already; --force fetches again): {_named(report.fresh)}"
        )
    return lines


def _named(symbols: Sequence[str]) -> str:
    shown = ", ".join(symbols[:_NAMED])
    more = len(symbols) - _NAMED
    return f"{shown} and {more} more" if more > 0 else shown
