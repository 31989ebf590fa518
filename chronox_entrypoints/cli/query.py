"""``gaps`` and ``bars``: what is missing, and what is stored."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, datetime

import click

import chronox_presentation as presentation  # models load as they are used
from chronox_domain.actions import PriceBasis
from chronox_domain.session import SessionKind
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import (
    adjust_option,
    json_option,
    range_options,
    session_option,
    store_option,
    timeframe_option,
)
from chronox_entrypoints.cli.render import DEMO_NOTE, emit_json, emit_json_listing, note, table


@click.command()
@click.argument("symbols", nargs=-1, required=True)
@timeframe_option
@range_options
@session_option
@click.option(
    "--holes",
    is_flag=True,
    help="Also list holes (covered slots the source had no bar for), windows answered "
    "empty only once (unconfirmed: asked again after CHRONOX_EMPTY_RECHECK_HOURS) and the "
    "time before the symbol's listing or from its delisting (unlisted: never asked for).",
)
@store_option
@json_option
def gaps(
    symbols: tuple[str, ...],
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    session: SessionKind,
    holes: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """List the gap windows of SYMBOLS: expected session time nobody has fetched."""
    with running(store=store) as container:
        report = container.gaps().report(symbols, timeframe, session, start, end, holes=holes)
    if as_json:
        emit_json([presentation.GapOut.of(missing) for missing in report.missing])
        return
    if not report.missing:
        click.echo("no gaps" + (" or holes" if holes else ""))
    else:
        table(
            ["symbol", "timeframe", "kind", "start", "end", "bars"],
            [
                (
                    m.window.symbol,
                    m.window.timeframe.value,
                    m.kind.value,
                    iso_utc(m.window.interval.start),
                    iso_utc(m.window.interval.end),
                    m.window.bars,
                )
                for m in report.missing
            ],
        )
    if report.demo:
        note(f"note: the store holds {DEMO_NOTE}")


@click.command()
@click.argument("symbol")
@timeframe_option
@range_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@adjust_option
@store_option
def bars(
    symbol: str,
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    fmt: str,
    basis: PriceBasis,
    store: str | None,
) -> None:
    """Print the stored bars of SYMBOL (streamed: any range fits in memory).

    Prices are on the basis of --adjust (as traded, split-adjusted by default, or
    splits and dividends), from the corporate actions stored for SYMBOL."""
    with running(store=store) as container:
        series = container.bars().series(symbol, timeframe, start, end, basis=basis)
        if fmt == "json":
            head = presentation.StoredBarsOut.of(dataclasses.replace(series, bars=iter(())))
            listed = (presentation.BarOut.of(bar).model_dump(mode="json") for bar in series.bars)
            emit_json_listing(head.model_dump(mode="json", exclude={"bars"}), "bars", listed)
            return
        if fmt == "csv":
            sys.stdout.write(bar_csv.HEADER_LINE)
            sys.stdout.writelines(bar_csv.line(bar) for bar in series.bars)
        else:
            table(bar_csv.HEADER[2:], (bar_csv.cells(b)[2:] for b in series.bars))
    if series.provenance.derived:
        note(f"note: {timeframe} bars rolled up from the stored 1m bars")
    if series.provenance.demo:
        note(f"note: {DEMO_NOTE}")
