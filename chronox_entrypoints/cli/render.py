"""Turning domain results into text and tables for people; ``--json`` prints the
response models of :mod:`chronox_presentation`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import click
from pydantic import BaseModel

from chronox_domain.errors import WindowRefused
from chronox_domain.timeformat import iso_utc

if TYPE_CHECKING:  # only the commands that ingest load these modules
    from chronox_domain.services.backfill import BackfillReport
    from chronox_domain.services.ingestion import IngestReport

DEMO_NOTE = "synthetic demo data, not real market prices"
#: Items of a listing printed at a time: what a long listing holds in memory.
_BATCH = 1_000


def emit_json(value: object) -> None:
    """What ``--json`` prints: a response model, a list of them (dumped as the API sends
    them), or plain JSON data."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        value = [item.model_dump(mode="json") for item in value]
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def emit_json_listing(head: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """What :func:`emit_json` prints for ``{**head, key: [*items]}``, to the character,
    written as ``items`` come: one batch of them in memory, however many there are."""
    opening = json.dumps({**head, key: []}, indent=2)
    write = sys.stdout.write
    write(opening.removesuffix("[]\n}") + "[")
    iterator, separator = iter(items), "\n    "
    while batch := list(islice(iterator, _BATCH)):
        texts = [json.dumps(item, indent=2).replace("\n", "\n    ") for item in batch]
        write(separator + ",\n    ".join(texts))
        separator = ",\n    "
    write("]\n}\n" if separator == "\n    " else "\n  ]\n}\n")


def note(text: str) -> None:
    """A remark for people, on stderr so that it never mixes into data on stdout."""
    click.echo(text, err=True)


def source_label(name: str, demo: bool) -> str:
    return f"{name} ({DEMO_NOTE})" if demo else name


#: The counters ``report_lines`` lays out by hand; any other counter of the report gets a
#: line of its own after them, so that a new one is never left out of the text.
_LAID_OUT = frozenset(
    {
        "requests",
        "windows_fetched",
        "windows_empty",
        "windows_unconfirmed",
        "windows_rechecked",
        "bars_written",
        "bars_rejected",
        "windows_refused",
    }
)


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
    lines.extend(
        f"{name.replace('_', ' ') + ':':<17}{count}"
        for name, count in report.counters().items()
        if name not in _LAID_OUT
    )
    if report.windows_refused:
        lines.append(f"windows refused: {report.windows_refused}")
        lines.extend(
            f"  refused {r.symbol} {r.timeframe} "
            f"{iso_utc(r.window.start)}..{iso_utc(r.window.end)}: {r.reason}"
            for r in report.refusals
        )
    return lines


def backfill_lines(result: BackfillReport) -> list[str]:
    """Each (symbol, timeframe) worked on, then the totals."""
    if not result.parts:
        return [
            "nothing to backfill: the registry has no active symbol "
            "(add one with: chronox-cli registry add SYMBOL)"
        ]
    lines = [
        f"{symbol} {timeframe}: {part.bars_written} bars, {part.windows_fetched} windows "
        f"({part.windows_empty} empty, {part.windows_unconfirmed} empty once), "
        f"{part.bars_rejected} rejected, {part.windows_refused} refused"
        for symbol, timeframe, part in result.parts
    ]
    lines.append(f"total, from {source_label(result.total.source, result.total.demo)}:")
    lines.extend(f"  {line}" for line in report_lines(result.total)[1:])
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


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table, printed as its rows come: the columns are sized on the
    first batch of rows, so a listing of any length holds one batch in memory (a longer
    value further down widens only its own line)."""
    iterator = iter(rows)
    first = [[str(value) for value in row] for row in islice(iterator, _BATCH)]
    widths = [len(header) for header in headers]
    for row in first:
        widths = [max(width, len(value)) for width, value in zip(widths, row, strict=True)]
    click.echo(_line(headers, widths))
    for row in first:
        click.echo(_line(row, widths))
    while batch := list(islice(iterator, _BATCH)):
        click.echo("\n".join(_line([str(value) for value in row], widths) for row in batch))


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip()
