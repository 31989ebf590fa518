"""``gaps`` and ``bars``: what is missing, and what is stored."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import bar_csv
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import (
    json_option,
    range_options,
    session_option,
    store_option,
    timeframe_option,
)
from chronox_entrypoints.cli.render import DEMO_NOTE, emit_json, gap_dict, iso, note, table

DEMO_SOURCES = {"synthetic"}


@click.command()
@click.argument("symbols", nargs=-1, required=True)
@timeframe_option
@range_options
@session_option
@click.option(
    "--holes",
    is_flag=True,
    help="Also list holes (covered slots the source had no bar for) and windows answered "
    "empty only once (unconfirmed: asked again after CHRONOX_EMPTY_RECHECK_HOURS).",
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
        coverage = container.coverage()
        found = [(gap, "gap") for gap in coverage.gaps(symbols, timeframe, session, start, end)]
        if holes:
            found += [(h, "hole") for h in coverage.holes(symbols, timeframe, session, start, end)]
            waiting = coverage.unconfirmed(symbols, timeframe, session, start, end)
            found += [(u, "unconfirmed") for u in waiting]
        demo = any(
            DEMO_SOURCES & container.repository().sources(gap.symbol, timeframe) for gap, _ in found
        )
    found.sort(key=lambda item: (item[0].symbol, item[0].interval.start))
    if as_json:
        emit_json([gap_dict(gap, kind) for gap, kind in found])
        return
    if not found:
        click.echo("no gaps" + (" or holes" if holes else ""))
    else:
        table(
            ["symbol", "timeframe", "kind", "start", "end", "bars"],
            [
                (
                    g.symbol,
                    g.timeframe.value,
                    kind,
                    iso(g.interval.start),
                    iso(g.interval.end),
                    g.bars,
                )
                for g, kind in found
            ],
        )
    if demo:
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
@store_option
def bars(
    symbol: str,
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    fmt: str,
    store: str | None,
) -> None:
    """Print the stored bars of SYMBOL (streamed: any range fits in memory)."""
    with running(store=store) as container:
        service = container.bars()
        derived = service.derives(symbol, timeframe)
        sources = sorted(service.sources(symbol, Timeframe.M1 if derived else timeframe))
        stream = service.bars(symbol, timeframe, start, end)
        if fmt == "csv":
            sys.stdout.write(bar_csv.HEADER_LINE)
            sys.stdout.writelines(bar_csv.line(b) for b in stream)
        elif fmt == "json":
            emit_json(
                {
                    "symbol": parse_symbol(symbol),
                    "timeframe": timeframe.value,
                    "sources": sources,
                    "derived_from": "1m" if derived else None,
                    "demo": bool(DEMO_SOURCES & set(sources)),
                    "bars": [
                        {
                            "start": iso(b.start),
                            "open": b.open,
                            "high": b.high,
                            "low": b.low,
                            "close": b.close,
                            "volume": b.volume,
                            "vwap": b.vwap,
                            "trades": b.trades,
                        }
                        for b in stream
                    ],
                }
            )
        else:
            table(bar_csv.HEADER[2:], (bar_csv.cells(b)[2:] for b in stream))
    if derived and fmt != "json":
        note(f"note: {timeframe} bars rolled up from the stored 1m bars")
    if DEMO_SOURCES & set(sources) and fmt != "json":
        note(f"note: {DEMO_NOTE}")
