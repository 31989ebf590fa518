"""Run the benchmarks of docs/benchmarks.md and print their figures.

    python3 benchmarks/run.py                 # the full run (a few minutes at most)
    python3 benchmarks/run.py --quick         # a smoke run with small sizes
    python3 benchmarks/run.py --json out.json --markdown out.md

Every figure is a ratio of two things timed in this run, on the same data. A target
that is not met is reported, never turned into a failing exit code; only a correctness
check (both sides must produce the same rows or the same gaps) can fail a run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on the path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import platform
import sqlite3
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from benchmarks import bench_gaps, bench_ingest
from benchmarks.timing import Figure
from chronox_adapters.calendars import ExchangeCalendar
from chronox_domain.ports import TradingCalendar

COMMAND = "python3 benchmarks/run.py"

TITLES = {
    "ingest": "1. SQLite ingest",
    "gaps": "2. find_gaps for one symbol-year of 1m bars",
    "many": "3. find_gaps for many symbol-years",
}


@dataclass(frozen=True, slots=True)
class Sizes:
    bars: int = 200_000
    ingest_repeats: int = 7
    repeats: int = 9
    symbols: int = 500
    #: How many of ``symbols`` the per-minute scan times (the rest is extrapolated).
    scanned: int = 5


FULL = Sizes()
QUICK = Sizes(bars=5_000, ingest_repeats=1, repeats=3, symbols=50, scanned=2)


def collect(sizes: Sizes, calendar: TradingCalendar, seed: int = 2024) -> list[Figure]:
    return [
        *bench_ingest.run(calendar, sizes.bars, sizes.ingest_repeats),
        *bench_gaps.one_symbol_year(calendar, sizes.repeats, seed),
        *bench_gaps.many_symbol_years(calendar, sizes.symbols, sizes.scanned, sizes.repeats, seed),
    ]


def environment(argv: Sequence[str]) -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([COMMAND, *argv]),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables as Markdown")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random ledgers")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    env = environment(sys.argv[1:] if argv is None else argv)
    print(", ".join(f"{key}: {value}" for key, value in env.items()), flush=True)
    figures = collect(sizes, ExchangeCalendar(), args.seed)

    for key, title in TITLES.items():
        print(f"\n{title}\n{text_table([f for f in figures if f.benchmark == key])}")
    missed = [figure.what for figure in figures if figure.met is False]
    print(f"\ntargets missed: {len(missed)}" + "".join(f"\n  - {what}" for what in missed))

    if args.json:
        document = {
            "environment": env,
            "sizes": asdict(sizes),
            "figures": [asdict(f) for f in figures],
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
