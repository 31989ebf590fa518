"""chronox's bar CSV: what `bars --format csv` and `GET /bars?format=csv` print, and what
the files source reads back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from chronox_domain.bar import Bar
from chronox_domain.timeformat import iso_utc

HEADER = (
    "symbol",
    "timeframe",
    "start",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vwap",
    "trades",
)


def cells(bar: Bar) -> tuple[str, ...]:
    """One bar's fields as text: UTC instants with a ``Z``, empty for what is unknown."""
    return (
        bar.symbol,
        bar.timeframe.value,
        iso_utc(bar.start),
        str(bar.open),
        str(bar.high),
        str(bar.low),
        str(bar.close),
        str(bar.volume),
        "" if bar.vwap is None else str(bar.vwap),
        "" if bar.trades is None else str(bar.trades),
    )


def line(bar: Bar) -> str:
    """One CSV line (no field of a bar needs quoting: tickers are validated)."""
    return ",".join(cells(bar)) + "\n"


HEADER_LINE = ",".join(HEADER) + "\n"


def text(chunks: Iterable[Iterable[Bar]]) -> Iterator[str]:
    """The CSV of ``chunks`` of bars, one piece of text per chunk, the header first."""
    head = HEADER_LINE
    for chunk in chunks:
        yield head + "".join(line(bar) for bar in chunk)
        head = ""
    if head:
        yield head
