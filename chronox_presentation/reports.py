"""What an ingest or a backfill did."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, create_model

from chronox_domain.services.backfill import BackfillReport
from chronox_domain.services.ingestion import IngestReport, Refusal
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


class _ReportSource(BaseModel):
    source: str
    demo: bool


# The counters are the report's own (``IngestReport.counter_names``), in its order, so
# that a counter added to the report is in the JSON without a second spelling. mypy
# cannot follow a model built at run time: it sees the fields of the source alone.
if TYPE_CHECKING:
    _Counted = _ReportSource
else:
    _Counted = create_model(
        "_Counted",
        __base__=_ReportSource,
        **{name: (int, ...) for name in IngestReport.counter_names()},
    )


class IngestReportOut(_Counted):
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


class BackfillReportOut(IngestReportOut):
    """The totals, and each (symbol, timeframe) worked on."""

    series: list[SeriesReportOut]

    @classmethod
    def of_backfill(cls, result: BackfillReport) -> BackfillReportOut:
        return cls.model_validate(
            {
                **_report_fields(result.total),
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
        **report.counters(),
        "rejections": list(report.rejections),
        "refused": [RefusalOut.of(refusal) for refusal in report.refusals],
    }
