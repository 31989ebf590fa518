"""``ingest --all -t 1d --source polygon``: the whole market's daily bars, one grouped
daily request per session (chronox_domain/services/grouped.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click

from chronox_domain.errors import WindowRefused
from chronox_domain.services.grouped import GroupedReport, GroupedRequest
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import emit_json


def ingest_grouped_daily(
    symbols: Sequence[str],
    start: date | datetime | None,
    end: date | datetime | None,
    *,
    refetch: bool,
    store: str | None,
    as_json: bool,
) -> None:
    if symbols:
        raise click.UsageError("--all asks the whole market's daily bars: name no SYMBOLS")
    request = GroupedRequest(start, end, refetch)
    with running(store=store, source="polygon") as container:
        service = container.grouped_daily()
        every = container.settings().progress_log_seconds
        bar = None if as_json else "grouped daily"
        with progress_of("ingest", "days", every, counters=(), bar=bar) as progress:
            report = service.ingest(request, progress)
    if as_json:
        emit_json(report_json(report))
    else:
        for line in report_lines(report):
            click.echo(line)
    if report.refusals:
        first = report.refusals[0]
        raise WindowRefused(
            f"{report.days_refused} session(s) not answered, the rest is stored "
            f"(first: {first.day}: {first.reason})"
        )


def report_json(report: GroupedReport) -> dict[str, Any]:
    """The ``--json`` of a grouped daily run: its counters, how many tickers it wrote,
    and each session the vendor did not answer, in its own words."""
    return {
        "source": report.source,
        "demo": False,
        **report.counters(),
        "tickers": len(report.tickers),
        "windows_refused": report.days_refused,
        "refused": [
            {"day": refusal.day.isoformat(), "reason": refusal.reason}
            for refusal in report.refusals
        ],
        "rejections": report.rejections,
    }


def report_lines(report: GroupedReport) -> list[str]:
    lines = [
        f"{report.requests} grouped daily request(s): {report.days_read} session(s) read, "
        f"{report.days_skipped} read before (not asked), {report.days_refused} not answered",
        f"{report.bars_written} daily bars written for {len(report.tickers)} ticker(s); "
        f"{report.bars_rejected} rejected, {report.tickers_conflicted} ticker(s) answered "
        "twice differently (left uncovered)",
    ]
    lines += [f"  rejected {reason}" for reason in report.rejections]
    lines += [f"  not answered {r.day}: {r.reason}" for r in report.refusals]
    return lines
