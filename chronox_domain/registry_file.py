"""A universe file for ``registry import``: the symbols to keep complete, read whole
before anything is registered, so that one bad line refuses the file and names itself.

Two shapes, told apart by the first line that is neither blank nor a comment:

* a list, one symbol a line (``AAPL``); every symbol takes the command's timeframes
  and session;
* a CSV whose header is ``symbol,timeframes,session`` (``timeframes`` and ``session``
  may be left out of the header, and any cell of them may be empty: the command's
  setting then applies). ``timeframes`` holds one or more of 1m 5m 15m 1h 1d separated
  by spaces or ``|`` (``1m|1d``), never commas, which would split the cell.

Everywhere, a line whose first non-blank character is ``#`` is a comment and blank
lines are skipped. A symbol listed twice with the same settings counts once; twice with
different settings is refused (which one was meant cannot be guessed).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import replace

from chronox_domain.errors import ChronoxError, MalformedData
from chronox_domain.registry import SymbolEntry
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

_COLUMNS = ("symbol", "timeframes", "session")


def read_registry_file(name: str, lines: Iterable[str], defaults: SymbolEntry) -> list[SymbolEntry]:
    """The entries of the file ``name`` (its ``lines``), each symbol once, in file order.
    ``defaults`` gives what a line leaves out (its ``symbol`` is ignored). Raises
    :class:`MalformedData` naming ``name:LINE`` for the first line that cannot be used."""
    kept: dict[str, tuple[int, SymbolEntry]] = {}
    columns: tuple[str, ...] | None = None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{name}:{number}"
        if columns is None and kept == {} and _is_header(text):
            columns = _header(text, where)
            continue
        try:
            entry = _entry(text, columns, defaults)
        except ChronoxError as exc:
            raise MalformedData(f"{where}: {exc}") from None
        seen = kept.get(entry.symbol)
        if seen is not None and seen[1] != entry:
            raise MalformedData(
                f"{where}: {entry.symbol} is listed on line {seen[0]} already, with other settings"
            )
        kept.setdefault(entry.symbol, (number, entry))
    return [entry for _, entry in kept.values()]


def _is_header(text: str) -> bool:
    return text.split(",", 1)[0].strip().lower() == "symbol"


def _header(text: str, where: str) -> tuple[str, ...]:
    columns = tuple(cell.strip().lower() for cell in next(csv.reader([text])))
    unknown = [c for c in columns if c not in _COLUMNS]
    if unknown or len(set(columns)) != len(columns):
        raise MalformedData(
            f"{where}: a header names each of {', '.join(_COLUMNS)} at most once "
            f"(symbol first), got {text!r}"
        )
    return columns


def _entry(text: str, columns: tuple[str, ...] | None, defaults: SymbolEntry) -> SymbolEntry:
    if columns is None:
        return replace(defaults, symbol=parse_symbol(text))
    cells = [cell.strip() for cell in next(csv.reader([text]))]
    if len(cells) > len(columns):
        raise MalformedData(f"{len(cells)} cells for {len(columns)} columns ({text!r})")
    row = dict(zip(columns, cells, strict=False))
    entry = replace(defaults, symbol=parse_symbol(row["symbol"]))
    if row.get("timeframes"):
        named = row["timeframes"].replace("|", " ").split()
        frames = {Timeframe.parse(value) for value in named}
        entry = replace(entry, timeframes=tuple(tf for tf in Timeframe if tf in frames))
    if row.get("session"):
        entry = replace(entry, session=SessionKind.parse(row["session"]))
    return entry
