"""The columns of each format and how one cell's text becomes a value.

The row loops in :mod:`formats` inline these conversions for speed; the tables here
name each column, give the headers, and explain a bad row column by column, which
happens at most once per file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from chronox_domain.errors import InvalidInput
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import EPOCH, Timeframe

#: What converting a cell may raise: float(), int(), unpacking a row, the domain parsers.
BAD_TEXT = (ValueError, OverflowError, InvalidInput)


def iso_start(text: str) -> datetime:
    """An ISO-8601 instant with ``Z`` or an offset, or a bare date (00:00 UTC), in UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        if len(text) <= len("2024-11-25"):
            return moment.replace(tzinfo=UTC)
        raise ValueError(f"{text!r} has no time zone (add Z or an offset)")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def nanosecond_start(text: str) -> datetime:
    """Epoch nanoseconds (the vendor's ``window_start``) as a UTC datetime, exactly.

    Integer arithmetic, not ``fromtimestamp(ns / 1e9)``: a float loses microseconds.
    """
    try:
        return EPOCH + timedelta(microseconds=int(text) // 1000)
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a time in epoch nanoseconds") from None


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def optional_number(text: str) -> float | None:
    return number(text) if text else None


def optional_count(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


Column = tuple[str, Callable[[str], object]]

CHRONOX_COLUMNS: Sequence[Column] = (
    ("symbol", parse_symbol),
    ("timeframe", Timeframe.parse),
    ("start", iso_start),
    ("open", number),
    ("high", number),
    ("low", number),
    ("close", number),
    ("volume", number),
    ("vwap", optional_number),
    ("trades", optional_count),
)
VENDOR_COLUMNS: Sequence[Column] = (
    ("ticker", parse_symbol),
    ("volume", number),
    ("open", number),
    ("close", number),
    ("high", number),
    ("low", number),
    ("window_start", nanosecond_start),
    ("transactions", optional_count),
)
CHRONOX_HEADER = tuple(name for name, _ in CHRONOX_COLUMNS)
VENDOR_HEADER = tuple(name for name, _ in VENDOR_COLUMNS)


def explain(row: Sequence[str], columns: Sequence[Column], error: Exception) -> str:
    """Why ``row`` could not be read, naming the column at fault."""
    if len(row) != len(columns):
        return f"expected {len(columns)} fields, found {len(row)}"
    for (name, parse), text in zip(columns, row, strict=True):
        try:
            parse(text)
        except BAD_TEXT as exc:
            return f"{name}: {exc}"
    return str(error)
