"""``ingest --source flatfiles`` and ``backfill --source flatfiles``: the vendor's day
files, read by day across symbols (chronox_domain/services/flatfiles.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click

from chronox_domain.errors import WindowRefused
from chronox_domain.services.flatfiles import FlatFilesReport, FlatFilesRequest
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.extras import require_extra
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import emit_json

FLATFILES = "flatfiles"


def ingest_day_files(
    symbols: Sequence[str],
    everything: bool,
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    *,
    refetch: bool,
    force: bool,
    store: str | None,
    as_json: bool,
) -> None:
    """SYMBOLS (or ``everything``: every ticker of each file) from the day files."""
    if everything and symbols:
        raise click.UsageError("--all reads every ticker of each day file: name no SYMBOLS")
    if not everything and not symbols:
        raise click.UsageError("name SYMBOLS, or --all for every ticker of each day file")
    request = FlatFilesRequest(tuple(symbols), timeframe, start, end, everything, refetch, force)
    with running(store=store, source=FLATFILES) as container:
        report = _run(container, [request], as_json)
    _finish(report, as_json)


def backfill_day_files(
    symbols: Sequence[str],
    start: date | datetime | None,
    end: date | datetime | None,
    *,
    store: str | None,
    as_json: bool,
) -> None:
    """The active registry symbols (or only ``symbols``), a run per timeframe."""
    with running(store=store, source=FLATFILES) as container:
        entries = container.registry_service().entries(active_only=True)
        chosen = set(symbols)
        by_timeframe: dict[Timeframe, list[str]] = {}
        for entry in entries:
            if not chosen or entry.symbol in chosen:
                for timeframe in entry.timeframes:
                    by_timeframe.setdefault(timeframe, []).append(entry.symbol)
        requests = [
            FlatFilesRequest(tuple(names), timeframe, start, end)
            for timeframe, names in sorted(by_timeframe.items(), key=lambda item: item[0].value)
        ]
        report = _run(container, requests, as_json)
    if not requests and not as_json:
        click.echo("nothing to backfill: the registry has no active symbol")
    _finish(report, as_json)


def _run(container: Any, requests: Sequence[FlatFilesRequest], as_json: bool) -> FlatFilesReport:
    require_extra("--source flatfiles", "flatfiles", "boto3")
    service = container.flatfiles()
    every = container.settings().progress_log_seconds
    total = FlatFilesReport(source=FLATFILES)
    for request in requests:
        bar = None if as_json else f"day files ({request.timeframe})"
        with progress_of("ingest", "days", every, counters=(), bar=bar) as progress:
            _add(total, service.ingest(request, progress))
    return total


def _add(total: FlatFilesReport, part: FlatFilesReport) -> None:
    for name in FlatFilesReport.counter_names():
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.refusals += part.refusals
    total.rejections += part.rejections[: max(0, 20 - len(total.rejections))]
    total.conflicts += part.conflicts[: max(0, 20 - len(total.conflicts))]
    total.symbols |= part.symbols


def report_json(report: FlatFilesReport) -> dict[str, Any]:
    """The ``--json`` of a day-file run: its counters, how many symbols it wrote, and
    each day the source refused in its own words."""
    return {
        "source": report.source,
        "demo": False,
        **report.counters(),
        "symbols": len(report.symbols),
        "rejected": report.bars_rejected,
        "windows_refused": report.days_missing,
        "refused": [
            {"day": refusal.day.isoformat(), "reason": refusal.reason}
            for refusal in report.refusals
        ],
        "rejections": report.rejections,
        "conflicts": report.conflicts,
    }


def report_lines(report: FlatFilesReport) -> list[str]:
    lines = [
        f"{report.days_read} day file(s) read, {report.days_skipped_unchanged} unchanged "
        f"(nothing downloaded), {report.days_republished} republished, "
        f"{report.days_missing} missing",
        f"{report.bars_written} bars written for {len(report.symbols)} symbol(s); "
        f"{report.ticker_days_empty} ticker-day(s) confirmed empty; "
        f"{report.bars_rejected} row(s) rejected, {report.rows_duplicated} duplicate(s) "
        f"counted once, {report.ticker_days_conflicted} ticker-day(s) left uncovered",
    ]
    lines += [f"  rejected {reason}" for reason in report.rejections]
    lines += [f"  uncovered {reason}" for reason in report.conflicts]
    lines += [f"  missing {r.day}: {r.reason}" for r in report.refusals]
    return lines


def _finish(report: FlatFilesReport, as_json: bool) -> None:
    if as_json:
        emit_json(report_json(report))
    else:
        for line in report_lines(report):
            click.echo(line)
    if report.refusals:
        first = report.refusals[0]
        raise WindowRefused(
            f"{report.days_missing} day file(s) not there, the rest is stored "
            f"(first: {first.day}: {first.reason})"
        )
