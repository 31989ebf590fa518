"""``export``: stored bars to a Parquet dataset that DuckDB, polars and pandas read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

import click

import chronox_presentation as presentation
from chronox_domain.actions import PriceBasis
from chronox_domain.columns import BarColumns
from chronox_domain.ports import BarDataset
from chronox_domain.services.export import PartitionExport
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import (
    BOUND,
    adjust_option,
    json_option,
    store_option,
    timeframe_option,
)
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import DEMO_NOTE, emit_json, note

#: What an export's progress counts: the partitions written, and their bars.
WRITES = ("partitions_written", "bars_written")


def _directory(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("is empty (name the dataset's directory)", ctx, param)
    return value


@click.command()
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--path",
    required=True,
    type=click.Path(file_okay=False),
    callback=_directory,
    help="The dataset's directory: one an export made, or a new or empty one "
    "(created when missing). Any other directory is refused.",
)
@timeframe_option
@click.option(
    "--start",
    type=BOUND,
    help="Export the years from this session date or ISO-8601 instant on. "
    "Default: every year the ledger covers.",
)
@click.option(
    "--end",
    type=BOUND,
    help="... up to this session date or instant. Default: the last year covered.",
)
@adjust_option
@store_option
@json_option
def export(
    symbols: tuple[str, ...],
    path: str,
    timeframe: Timeframe,
    start: date | datetime | None,
    end: date | datetime | None,
    basis: PriceBasis,
    store: str | None,
    as_json: bool,
) -> None:
    """Write the stored bars of SYMBOLS to a Parquet dataset (only what changed).

    One file per timeframe, symbol and year, each holding every stored bar of its
    year (DIR/timeframe=1m/symbol=SPY/year=2024/part-0.parquet): --start and --end
    pick the years. A re-run writes only the partitions whose bars or coverage
    changed, and repairs those whose file on disk is not the one it wrote.

    Prices are on the basis of --adjust, recorded in the dataset's manifest and in
    each file's metadata (chronox.adjust): a dataset is on one basis, and an export
    on another into it is refused. A new split or dividend rewrites the earlier
    years it re-prices.
    """
    with running(store=store) as container:
        service = container.export()
        every = container.settings().progress_log_seconds
        bar = None if as_json else "exporting"
        with progress_of("export", "partitions", every, counters=WRITES, bar=bar) as progress:
            dataset = CountedWrites(container.dataset(path, basis), progress.add)
            report = service.export(dataset, symbols, timeframe, start, end, progress, basis)
    if as_json:
        emit_json(presentation.ExportReportOut.of(report, path))
        return
    for part in report.partitions:
        click.echo(f"{part.key}: {part.rows} bars, {_state(part)}")
    for symbol in report.skipped:
        click.echo(f"{symbol}: nothing ingested in this range, skipped")
    for name in report.foreign:
        note(
            f"warning: {name} is not part of the dataset, but a reader of {path} would "
            "read it with it: move it out"
        )
    repaired = f", {len(report.repaired)} of them repaired" if report.repaired else ""
    click.echo(
        f"{report.written} partition(s) written ({report.rows_written} bars){repaired}, "
        f"{report.unchanged} unchanged, in {path} (prices: --adjust {report.basis})"
    )
    if report.demo:
        note(f"note: the dataset holds {DEMO_NOTE}")


def _state(part: PartitionExport) -> str:
    if part.repaired is not None:
        return f"repaired ({part.repaired})"
    return "written" if part.written else "unchanged"


class CountedWrites:
    """A dataset that tells ``counted`` of each partition written (and its bars) as it
    writes it: the export's progress counts them without the service reporting more."""

    def __init__(self, dataset: BarDataset, counted: Callable[[Mapping[str, int]], None]) -> None:
        self._dataset = dataset
        self._counted = counted

    def claim(self) -> None:
        self._dataset.claim()

    def recorded(self) -> dict[str, str]:
        return self._dataset.recorded()

    def verify(self, key: str) -> str | None:
        return self._dataset.verify(key)

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        self._dataset.write(key, columns, fingerprint)
        self._counted({"partitions_written": 1, "bars_written": len(columns)})

    def foreign(self) -> list[str]:
        return self._dataset.foreign()
