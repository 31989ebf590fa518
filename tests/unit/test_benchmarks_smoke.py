"""`benchmarks/run.py` still runs end to end and produces every figure.

Tiny sizes and one repeat: this checks the script, not the speed. Timing belongs to the
benchmarks themselves (docs/benchmarks.md), never to an assertion in a test.
"""

from __future__ import annotations

import json

from benchmarks.run import TITLES, Sizes, collect, markdown, text_table
from chronox_adapters.calendars import ExchangeCalendar

TINY = Sizes(bars=800, ingest_repeats=1, repeats=1, symbols=3, scanned=1)


def test_the_benchmarks_produce_every_figure(calendar: ExchangeCalendar) -> None:
    figures = collect(TINY, calendar)

    assert [figure.benchmark for figure in figures] == ["ingest", "ingest", "gaps", "gaps", "many"]
    assert all(figure.ratio > 0 for figure in figures)
    assert figures[0].data["bars"] >= TINY.bars
    report = markdown(figures)
    assert all(f"## {title}" in report for title in TITLES.values())
    assert text_table(figures).count("\n") > len(figures)
    json.dumps([figure.data for figure in figures])  # the --json payload serialises
