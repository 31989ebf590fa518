"""What an export to a dataset of files did."""

from __future__ import annotations

from pydantic import BaseModel

from chronox_domain.services.export import ExportReport, PartitionExport


class PartitionExportOut(BaseModel):
    #: The partition's directory in the dataset (``timeframe=1m/symbol=SPY/year=2024``).
    partition: str
    rows: int
    #: False: unchanged since the last export, the file was left as it was.
    written: bool
    #: Why the file on disk was not the one recorded (missing, truncated, replaced): it
    #: was written again. None: it was whole.
    repaired: str | None

    @classmethod
    def of(cls, partition: PartitionExport) -> PartitionExportOut:
        return cls(
            partition=partition.key,
            rows=partition.rows,
            written=partition.written,
            repaired=partition.repaired,
        )


class ExportReportOut(BaseModel):
    path: str
    #: The price basis of every bar in the dataset (none, splits, all), as ``/bars``.
    adjust: str
    demo: bool
    partitions_written: int
    partitions_unchanged: int
    rows_written: int
    partitions: list[PartitionExportOut]
    #: The partitions whose file on disk was damaged and was written again.
    repaired: list[str]
    #: Symbols asked for that have nothing ingested in the range.
    skipped: list[str]
    #: Files in the dataset's directory that are not the dataset's own but that a reader
    #: of it would pick up (relative paths): in no count above, left where they are.
    foreign: list[str]

    @classmethod
    def of(cls, report: ExportReport, path: str) -> ExportReportOut:
        return cls(
            path=path,
            adjust=report.basis.value,
            demo=report.demo,
            partitions_written=report.written,
            partitions_unchanged=report.unchanged,
            rows_written=report.rows_written,
            partitions=[PartitionExportOut.of(p) for p in report.partitions],
            repaired=[p.key for p in report.repaired],
            skipped=report.skipped,
            foreign=report.foreign,
        )
