"""``ingest`` and ``backfill``: close gap windows from a source."""

from __future__ import annotations

from datetime import date, datetime

import click

from chronox_domain.services.ingestion import IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.flatfiles import FLATFILES, backfill_day_files, ingest_day_files
from chronox_entrypoints.cli.grouped import ingest_grouped_daily
from chronox_entrypoints.cli.jobs import shared_jobs
from chronox_entrypoints.cli.options import (
    F,
    json_option,
    range_options,
    session_option,
    store_option,
    timeframe_option,
)
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import backfill_lines, emit_json, refused_error, report_lines
from chronox_entrypoints.sources import SOURCES
from chronox_presentation import BackfillReportOut, IngestReportOut, QueuedJobOut


def _non_empty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("is empty (name the file to read)", ctx, param)
    return value


def source_options(func: F) -> F:
    """--source NAME and --path FILE (a file implies --source files)."""
    func = click.option(
        "--path",
        "files_path",
        type=click.Path(dir_okay=False),
        callback=_non_empty_path,
        help="The file for --source files.",
    )(func)
    return click.option(
        "--source",
        type=click.Choice(SOURCES),
        help="Where bars come from. Default: polygon with a vendor key, else synthetic.",
    )(func)


@click.command()
@click.argument("symbols", nargs=-1)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every ticker of the market: each day file (--source flatfiles), or with -t 1d "
    "--source polygon one grouped daily request per session.",
)
@timeframe_option
@range_options
@session_option
@source_options
@click.option("--refetch", is_flag=True, help="Fetch the whole range again, ignoring the ledger.")
@click.option(
    "--force", is_flag=True, help="Allow a source other than the one the ledger recorded."
)
@click.option(
    "--no-follow-renames",
    "literal",
    is_flag=True,
    help="Ask only the literal tickers, not the ones a renamed company traded as before "
    "(so does a registry entry added with --no-follow-renames).",
)
@store_option
@json_option
def ingest(
    symbols: tuple[str, ...],
    everything: bool,
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    session: SessionKind,
    source: str | None,
    files_path: str | None,
    refetch: bool,
    force: bool,
    literal: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Fetch the gap windows of SYMBOLS in the range and store them."""
    if source == FLATFILES:
        ingest_day_files(
            symbols, everything, timeframe, start, end,
            refetch=refetch, force=force, store=store, as_json=as_json,
        )  # fmt: skip
        return
    if everything and source == "polygon" and timeframe is Timeframe.D1:
        ingest_grouped_daily(symbols, start, end, refetch=refetch, store=store, as_json=as_json)
        return
    if everything or not symbols:
        raise click.UsageError(
            "name SYMBOLS (--all goes with --source flatfiles, or with -t 1d --source polygon)"
        )
    if files_path and not source:
        source = "files"
    with running(store=store, source=source, files_path=files_path) as container:
        request = IngestRequest(
            symbols, timeframe, session, start, end, refetch, force, follow_renames=not literal
        )
        service = container.ingestion()
        every = container.settings().progress_log_seconds
        bar = None if as_json else "fetching"
        with progress_of("ingest", "requests", every, bar=bar) as progress:
            report = service.ingest(request, progress, progress.counted)
    if as_json:
        emit_json(IngestReportOut.of(report))
    else:
        for line in report_lines(report):
            click.echo(line)
    refused = refused_error(report)
    if refused is not None:
        raise refused


@click.command()
@click.argument("symbols", nargs=-1)
@range_options
@source_options
@click.option(
    "--enqueue",
    is_flag=True,
    help="Queue one job per symbol for workers instead of running here (with --source "
    "flatfiles: one job per session's day file).",
)
@store_option
@json_option
def backfill(
    symbols: tuple[str, ...],
    start: date | datetime | None,
    end: date | datetime | None,
    source: str | None,
    files_path: str | None,
    enqueue: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """Close the gaps of every active registry symbol (or only SYMBOLS)."""
    if source == FLATFILES and not enqueue:
        backfill_day_files(symbols, start, end, store=store, as_json=as_json)
        return
    if files_path and not source:
        source = "files"
    if enqueue:
        _enqueue(symbols, start, end, store, as_json, day_files=source == FLATFILES)
        return
    with running(store=store, source=source, files_path=files_path) as container:
        pipeline = container.pipeline()
        every = container.settings().progress_log_seconds
        bar = None if as_json else "backfilling"
        with progress_of("backfill", "requests", every, parts=True, bar=bar) as progress:
            result = pipeline.backfill(symbols, start, end, progress, progress.counted)
    if as_json:
        emit_json(BackfillReportOut.of_backfill(result))
    else:
        for line in backfill_lines(result):
            click.echo(line)
    refused = refused_error(result.total)
    if refused is not None:
        raise refused


def _enqueue(
    symbols: tuple[str, ...],
    start: date | datetime | None,
    end: date | datetime | None,
    store: str | None,
    as_json: bool,
    *,
    day_files: bool,
) -> None:
    """One job per symbol; with ``day_files`` (``--source flatfiles``) one per session
    of the range and timeframe instead, each reading that session's day file."""
    with running(store=store) as container:
        service = shared_jobs(container, "backfill --enqueue")
        enqueue = service.enqueue_day_files if day_files else service.enqueue_backfill
        queued = enqueue(symbols, start, end)
    if as_json:
        emit_json([QueuedJobOut.of(job) for job in queued])
        return
    for job in queued:
        click.echo(f"queued {job.id} {job.spec.label}")
    if not queued:
        why = "the registry has no active symbol"
        click.echo(f"nothing to queue: {why}" + (", or the range no ended session" * day_files))
