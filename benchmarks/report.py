"""The figures as text: a plain table for the terminal and Markdown for
docs/benchmarks.md, one section per benchmark, in the order of ``TITLES``."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from benchmarks.timing import Figure

TITLES = {
    "ingest": "1. SQLite ingest",
    "gaps": "2. find_gaps for one symbol-year of 1m bars",
    "many": "3. find_gaps for many symbol-years",
    "pg-write": "4. PostgreSQL: writing and re-writing 1m bars",
    "pg-gaps": "5. PostgreSQL: the gap scan of many symbol-years",
    "pg-read": "6. PostgreSQL: reading one symbol-year",
    "polygon-parse": "7. Polygon: parsing a 50,000-bar page",
    "polygon-backfill": "8. Polygon: a symbol-year of 1m bars from the stub into SQLite",
    "redis": "9. Redis: publish throughput, pipelined vs one PUBLISH per round trip",
    "fanout-latency": "10. Live latency: stub WebSocket to a Redis subscriber",
    "fanout-workers": "11. Distributed backfill: 1 vs 3 workers",
    "api": "12. REST API: GET /bars under load",
    "vendor-requests": "13. The vendor's limit: requests for a symbol-year in each timeframe",
    "vendor-429": "14. The vendor's 429s without Retry-After: a backfill through them",
    "startup": "15. CLI start-up against the floor of its libraries",
    "adjust": "16. Adjust on read: a symbol-year of 1m bars on the splits and all bases",
    "listing": "17. The listing period: requests for late-listed symbols asked from 2015",
    "memory-api": "18. Memory: GET /bars over a long range",
    "memory-cli": "19. Memory: chronox-cli bars over a long range",
    "memory-check": "20. Memory: check_frame on a clean frame",
    "flatfiles-day": "21. Flat files: a whole-market day file into each store",
    "flatfiles-memory": "22. Flat files: peak memory of a whole-market day",
    "flatfiles-registry": "23. 10,000 registry symbols: import, list, GET /symbols, gaps",
    "flatfiles-workers": "24. Flat files: 1 vs 2 workers on a range of days",
    "universe-gaps": "25. The ledger at universe scale: gaps over 10,000 symbols",
    "universe-matrix": "26. Coverage matrix (issue 21): 10,000 symbols x 20 sessions",
    "dashboard": "27. The web dashboard in Chromium: first paints, frames while panning 1M bars",
}


def _met(figure: Figure) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[figure.met]


def _cells(figure: Figure) -> list[str]:
    return [
        figure.what,
        figure.baseline,
        figure.chronox,
        f"{figure.ratio:,.2f}x {figure.ratio_label}",
        figure.target,
        _met(figure),
    ]


HEADERS = ["what", "baseline", "chronox", "ratio", "target", "met?"]


def text_table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table, long cells wrapped inside their column."""
    widths = [34, 30, 22, 14, 14, 4]
    rows = [HEADERS, *(_cells(figure) for figure in figures)]
    lines: list[str] = []
    for number, row in enumerate(rows):
        wrapped = [
            textwrap.wrap(cell, width) or [""] for cell, width in zip(row, widths, strict=True)
        ]
        for i in range(max(len(cell) for cell in wrapped)):
            parts = [
                (cell[i] if i < len(cell) else "").ljust(width)
                for cell, width in zip(wrapped, widths, strict=True)
            ]
            lines.append(" | ".join(parts).rstrip())
        if number == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def text_sections(figures: Sequence[Figure]) -> str:
    """One titled table per benchmark among ``figures``, in the order of ``TITLES``."""
    return "".join(
        f"\n{title}\n{text_table(chosen)}\n"
        for key, title in TITLES.items()
        if (chosen := [figure for figure in figures if figure.benchmark == key])
    )


def markdown(figures: Sequence[Figure]) -> str:
    """One section per benchmark, each with its table (the body of docs/benchmarks.md)."""
    out: list[str] = []
    for key, title in TITLES.items():
        chosen = [figure for figure in figures if figure.benchmark == key]
        if not chosen:
            continue
        out += [f"## {title}", "", "| " + " | ".join(HEADERS) + " |", "|---" * len(HEADERS) + "|"]
        out += ["| " + " | ".join(_cells(figure)) + " |" for figure in chosen]
        out.append("")
    return "\n".join(out)
