"""A page of bars as JSON, written as it is read: the answer of ``GET /bars`` holds one
chunk of bars in memory, whatever its ``limit`` (a page of 50,000 bars built as one
document cost some 85 MB while it was sent)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from pydantic import TypeAdapter

from chronox_domain.bar import Bar
from chronox_domain.timeformat import iso_utc
from chronox_presentation import BarOut, BarsPage

_BARS = TypeAdapter(list[BarOut])
#: Bars turned into response models at a time (a model costs some 1.7 KB while it lives).
_MODELS = 1_000


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
        for at in range(0, len(taken), _MODELS):
            models = [BarOut.of(bar) for bar in taken[at : at + _MODELS]]
            yield separator + _BARS.dump_json(models)[1:-1]
            separator = b","
        sent += len(taken)
        if len(chunk) > room:
            following = chunk[room].start
            break
    yield b'],"next_cursor":' + json.dumps(_cursor(following)).encode() + b"}"


def _cursor(following: datetime | None) -> str | None:
    return None if following is None else iso_utc(following)
