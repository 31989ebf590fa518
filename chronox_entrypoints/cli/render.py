"""Turning domain results into text, tables and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import click

from chronox_domain.errors import WindowRefused
from chronox_domain.gaps import GapWindow
from chronox_domain.services.ingestion import IngestReport

DEMO_NOTE = "synthetic demo data, not real market prices"


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def note(text: str) -> None:
    """A remark for people, on stderr so that it never mixes into data on stdout."""
    click.echo(text, err=True)


def source_label(name: str, demo: bool) -> str:
    return f"{name} ({DEMO_NOTE})" if demo else name


def report_dict(report: IngestReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "demo": report.demo,
        "bars_written": report.bars_written,
        "windows_fetched": report.windows_fetched,
        "windows_empty": report.windows_empty,
        "windows_unconfirmed": report.windows_unconfirmed,
        "windows_rechecked": report.windows_rechecked,
        "windows_refused": report.windows_refused,
        "bars_rejected": report.bars_rejected,
        "requests": report.requests,
        "rejections": report.rejections,
        "refused": [
            {
                "symbol": r.symbol,
                "timeframe": r.timeframe.value,
                "start": iso(r.window.start),
                "end": iso(r.window.end),
                "reason": r.reason,
            }
            for r in report.refusals
        ],
    }


def report_lines(report: IngestReport) -> list[str]:
    lines = [
        f"source:          {source_label(report.source, report.demo)}",
        f"requests:        {report.requests}",
        f"windows fetched: {report.windows_fetched} ({report.windows_empty} confirmed empty, "
        f"{report.windows_unconfirmed} empty once, {report.windows_rechecked} rechecked)",
        f"bars written:    {report.bars_written}",
        f"bars rejected:   {report.bars_rejected}",
    ]
    lines.extend(f"  rejected {reason}" for reason in report.rejections)
    if report.windows_refused:
        lines.append(f"windows refused: {report.windows_refused}")
        lines.extend(
            f"  refused {r.symbol} {r.timeframe} {iso(r.window.start)}..{iso(r.window.end)}: "
            f"{r.reason}"
            for r in report.refusals
        )
    return lines


def refused_error(report: IngestReport) -> WindowRefused | None:
    """The one-line error (exit code 3) of a run in which the source refused windows;
    everything else it fetched is stored."""
    if not report.windows_refused:
        return None
    first = report.refusals[0].reason if report.refusals else "no reason given"
    return WindowRefused(
        f"the source refused {report.windows_refused} window(s), the rest is stored "
        f"(first: {first})"
    )


def gap_dict(gap: GapWindow, kind: str) -> dict[str, Any]:
    return {
        "symbol": gap.symbol,
        "timeframe": gap.timeframe.value,
        "start": iso(gap.interval.start),
        "end": iso(gap.interval.end),
        "bars": gap.bars,
        "kind": kind,
    }


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table (rows are materialised to size the columns)."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(value)) for width, value in zip(widths, row, strict=True)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


class Progress:
    """A progress bar on stderr for long runs, shown only on a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self._label = label
        self._enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total < 2:
            return
        if self._bar is not None and done < self._done:  # the next symbol's run began
            self.close()
        if self._bar is None:
            self._done = 0
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def with_progress(label: str, enabled: bool, work: Callable[[Progress], Any]) -> Any:
    progress = Progress(label, enabled)
    try:
        return work(progress)
    finally:
        progress.close()
