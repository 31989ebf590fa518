"""What an ingest or a backfill did."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from chronox_domain.services.backfill import BackfillReport
from chronox_domain.services.ingestion import IngestReport, Refusal
from chronox_domain.splits import Split
from chronox_presentation.bars import SeriesKey


class RefusalOut(BaseModel):
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    reason: str

    @classmethod
    def of(cls, refusal: Refusal) -> RefusalOut:
        return cls(
            symbol=refusal.symbol,
            timeframe=refusal.timeframe.value,
            start=refusal.window.start,
            end=refusal.window.end,
            reason=refusal.reason,
        )


class IngestReportOut(BaseModel):
    source: str
    demo: bool
    bars_written: int
    windows_fetched: int
    windows_empty: int
    windows_unconfirmed: int
    windows_rechecked: int
    windows_refused: int
    bars_rejected: int
    requests: int
    rejections: list[str]
    refused: list[RefusalOut]

    @classmethod
    def of(cls, report: IngestReport) -> IngestReportOut:
        return cls.model_validate(_report_fields(report))


class SeriesReportOut(IngestReportOut, SeriesKey):
    """One (symbol, timeframe) of a backfill."""

    @classmethod
    def of_part(cls, symbol: str, timeframe: str, report: IngestReport) -> SeriesReportOut:
        return cls.model_validate(
            {"symbol": symbol, "timeframe": timeframe, **_report_fields(report)}
        )


class SplitOut(BaseModel):
    symbol: str
    execution_date: date
    split_from: float
    split_to: float

    @classmethod
    def of(cls, split: Split) -> SplitOut:
        return cls(
            symbol=split.symbol,
            execution_date=split.execution_date,
            split_from=split.split_from,
            split_to=split.split_to,
        )


class BackfillReportOut(IngestReportOut):
    """The totals, the splits first seen (their earlier windows re-fetched), and each
    (symbol, timeframe) worked on."""

    splits: list[SplitOut]
    series: list[SeriesReportOut]

    @classmethod
    def of_backfill(cls, result: BackfillReport) -> BackfillReportOut:
        return cls.model_validate(
            {
                **_report_fields(result.total),
                "splits": [SplitOut.of(split) for split in result.splits],
                "series": [
                    SeriesReportOut.of_part(symbol, timeframe, part)
                    for symbol, timeframe, part in result.parts
                ],
            }
        )


def _report_fields(report: IngestReport) -> dict[str, object]:
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
        "rejections": list(report.rejections),
        "refused": [RefusalOut.of(refusal) for refusal in report.refusals],
    }
