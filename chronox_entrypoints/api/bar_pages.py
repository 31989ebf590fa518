"""A page of bars as JSON, written as it is read: the answer of ``GET /bars`` holds one
chunk of bars in memory, whatever its ``limit`` (a page of 50,000 bars built as one
document cost some 85 MB while it was sent).

The bars are encoded by msgspec from the chunk's columns, not through a pydantic model
per bar (which cost more than reading the bars from the store: docs/benchmarks.md,
benchmark 12). The document is the one :class:`BarsPage` describes, byte for byte
(``tests/e2e/test_api_bar_json.py`` holds the two encodings side by side); the only
difference is the spelling of an exponent past 1e16 (``1e16`` for pydantic's
``1e+16``), the same number to any JSON reader and no price or volume a market has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from operator import itemgetter

import msgspec

from chronox_domain.bar import Bar
from chronox_domain.timeformat import iso_utc
from chronox_presentation import BarsPage


class BarRecord(msgspec.Struct, gc=False):
    """One element of ``BarsPage.bars``: :class:`chronox_presentation.BarOut`'s fields,
    in its order, encoded by msgspec. ``gc=False``: thousands a page, none in a cycle."""

    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None
    trades: int | None


_ENCODER = msgspec.json.Encoder()
_FLOATS = list[float]
_OPTIONAL_FLOATS = list[float | None]
_OPTIONAL_INTS = list[int | None]


def bars_json(bars: Sequence[Bar]) -> bytes:
    """``bars`` as the elements of a JSON array, comma-separated, without the brackets.

    The prices go through msgspec's conversion column by column (in C), as pydantic
    coerces them field by field: an integer price a store hands over is written as a
    float (``10.0``), a float trade count with no fraction as an integer. The columns
    are taken with ``itemgetter`` rather than ``zip(*bars)``, whose iterator per bar
    woke the cyclic collector over the whole heap (measured: up to 150 ms a page)."""
    if not bars:
        return b""
    starts, opens, highs, lows, closes, volumes, vwaps, trades = (
        list(map(itemgetter(field), bars)) for field in range(2, 10)
    )
    convert = msgspec.convert
    records = map(
        BarRecord,
        starts,
        *(convert(prices, _FLOATS) for prices in (opens, highs, lows, closes, volumes)),
        convert(vwaps, _OPTIONAL_FLOATS),
        convert(trades, _OPTIONAL_INTS, strict=False),
    )
    return _ENCODER.encode(list(records))[1:-1]


def page_body(head: BarsPage, chunks: Iterator[list[Bar]], limit: int) -> Iterator[bytes]:
    """``head`` (a :class:`BarsPage` without its bars) with the first ``limit`` bars of
    ``chunks`` and the cursor of the next page: the document ``BarsPage`` describes.

    A page ends one bar early only to learn where the next one starts: the bar after the
    last one sent, read with the following chunk when a page ends on a chunk's end."""
    fields = head.model_dump_json(exclude={"bars", "next_cursor"})
    yield fields[:-1].encode() + b',"bars":['
    sent, following, separator = 0, None, b""
    # No store cursor stays open between chunks: leaving the loop early leaks nothing.
    for chunk in chunks:
        room = limit - sent
        if room <= 0:
            following = chunk[0].start if chunk else None
            break
        taken = chunk[:room]
        if taken:
            yield separator + bars_json(taken)
            separator = b","
        sent += len(taken)
        if len(chunk) > room:
            following = chunk[room].start
            break
    yield b'],"next_cursor":' + json.dumps(_cursor(following)).encode() + b"}"


def _cursor(following: datetime | None) -> str | None:
    return None if following is None else iso_utc(following)
