"""The report's counters are defined once, by ``IngestReport``: its sum, a job's counts,
the JSON of ``--json`` and the API, and the CLI's text all follow from that definition."""

from __future__ import annotations

from dataclasses import fields

from chronox_domain.services.ingestion import IngestReport
from chronox_entrypoints.cli.render import report_lines
from chronox_presentation import IngestReportOut

COUNTERS = [f.name for f in fields(IngestReport) if f.type == "int"]


def numbered() -> IngestReport:
    """A report whose every counter holds a different number (1, 2, 3...)."""
    report = IngestReport("synthetic", demo=False)
    for number, name in enumerate(COUNTERS, start=1):
        setattr(report, name, number)
    return report


def test_reports_add_up_counter_by_counter() -> None:
    total = numbered()
    total.add(numbered())
    assert total.counters() == {name: 2 * n for n, name in enumerate(COUNTERS, start=1)}


def test_the_json_carries_every_counter_in_the_reports_order() -> None:
    body = IngestReportOut.of(numbered()).model_dump()
    assert [key for key in body if key in COUNTERS] == COUNTERS
    assert {key: body[key] for key in COUNTERS} == numbered().counters()


def test_the_text_is_laid_out_as_before() -> None:
    assert report_lines(numbered()) == [
        "source:          synthetic",
        "requests:        8",
        "windows fetched: 2 (3 confirmed empty, 4 empty once, 5 rechecked)",
        "bars written:    1",
        "bars rejected:   7",
        "windows refused: 6",
    ]


class _WithOneMore(IngestReport):
    """Stands for a report with a counter the text has no place for yet."""

    def counters(self) -> dict[str, int]:
        return {**super().counters(), "windows_split": 9}


def test_a_counter_the_text_does_not_lay_out_gets_a_line_of_its_own() -> None:
    lines = report_lines(_WithOneMore("synthetic", demo=False))
    assert "windows split:   9" in lines
