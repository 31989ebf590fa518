"""``coverage``: the ledger of one series, span by span."""

from __future__ import annotations

import click

import chronox_presentation as presentation  # models load as they are used
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import json_option, store_option, timeframe_option
from chronox_entrypoints.cli.render import emit_json, table


@click.command()
@click.argument("symbol")
@timeframe_option
@store_option
@json_option
def coverage(symbol: str, timeframe: Timeframe, store: str | None, as_json: bool) -> None:
    """List the coverage ledger of SYMBOL: each span's status, source, ticker and file ETag.

    The ETag is the vendor's day file that vouched for the span (flat files only)."""
    with running(store=store) as container:
        spans = container.coverage().coverage(symbol, timeframe)
    if as_json:
        emit_json([presentation.CoverageOut.of(span) for span in spans])
        return
    if not spans:
        click.echo(f"no coverage of {parse_symbol(symbol)} {timeframe.value}")
        return
    # The vendor ticker that answered: the symbol itself unless a rename says otherwise.
    name = parse_symbol(symbol)
    table(
        ["start", "end", "status", "source", "ticker", "answered_at", "etag"],
        [
            (
                iso_utc(span.interval.start),
                iso_utc(span.interval.end),
                span.status.value,
                span.source,
                span.ticker or name,
                "" if span.answered_at is None else iso_utc(span.answered_at),
                span.etag or "",
            )
            for span in spans
        ],
    )
