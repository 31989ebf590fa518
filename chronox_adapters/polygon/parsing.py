"""Vendor JSON to chronox bars, without a dict or a client model object per bar.

The official client turns every aggregate into an ``Agg`` object, and ``json.loads``
alone builds a dict per aggregate. An aggregates page is decoded here instead by a typed
msgspec decoder, straight from the answer's bytes into small records of exactly the
fields a bar needs, and those into ``Bar`` tuples: a 50,000-bar page costs about half of
what ``json.loads`` of it costs (docs/benchmarks.md, benchmark 7).

The types are the vendor's own (``.massive/rest.json`` in its official client, the
aggregates answer): ``o``, ``h``, ``l``, ``c``, ``v`` numbers and ``t`` an integer (Unix
milliseconds), all required; ``vw`` and ``n`` optional; anything else (``otc``, the
envelope's counts) ignored. An aggregate that does not fit makes the page malformed,
saying where (``$.results[3].t``). A bar that fits but breaks a bar's invariants (a
negative price, a low above the open) is not refused here: ingestion rejects and counts
it, as it does for every source.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from chronox_domain.bar import Bar
from chronox_domain.errors import MalformedData
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import Timeframe

#: (multiplier, timespan) of each timeframe in the aggregates endpoint.
RANGES: dict[Timeframe, tuple[int, str]] = {
    Timeframe.M1: (1, "minute"),
    Timeframe.M5: (5, "minute"),
    Timeframe.M15: (15, "minute"),
    Timeframe.H1: (1, "hour"),
    Timeframe.D1: (1, "day"),
}

#: The vendor's ``limit`` ceiling. It counts *base* aggregates (minutes for every
#: intraday timespan, days for days), not the bars of the answer.
MAX_BASE_AGGREGATES = 50_000


class Aggregate(msgspec.Struct, gc=False):
    """One element of an aggregates page's ``results``, under the vendor's names.

    ``gc=False``: a page makes ~50,000 of these and none can be in a reference cycle,
    so the cyclic collector never needs to track them."""

    start_ms: int = msgspec.field(name="t")
    open: float = msgspec.field(name="o")
    high: float = msgspec.field(name="h")
    low: float = msgspec.field(name="l")
    close: float = msgspec.field(name="c")
    volume: float = msgspec.field(name="v")
    vwap: float | None = msgspec.field(default=None, name="vw")
    trades: int | None = msgspec.field(default=None, name="n")


class AggregatesPage(msgspec.Struct, gc=False):
    """An aggregates answer: its bars, and what the adapter reads of its envelope.

    ``results`` may be absent or ``null`` (the vendor's empty answers). The envelope's
    fields keep whatever JSON the vendor sent, checked where they are used (a
    ``next_url`` that is not a string ends the paging, an ``adjusted`` that is not a
    boolean says nothing), as they were before pages were typed."""

    results: list[Aggregate] | None = None
    next_url: Any = None
    adjusted: Any = None
    status: Any = None


_DECODER = msgspec.json.Decoder(AggregatesPage)


class NotAJsonObject(ValueError):
    """An answer whose body is not a JSON object at all (cut short, an HTML page)."""


def decode_aggregates(body: bytes, symbol: str) -> AggregatesPage:
    """An aggregates answer's body (asked for ``symbol``), decoded and typed in one pass.

    Raises ``NotAJsonObject`` for a body that is not a JSON object (the caller may ask
    again) and ``MalformedData`` for one of the wrong shape, saying where."""
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError:
        pass  # the rare answer the strict decoder refuses: sorted out below, slowly
    # Python's parser also reads the NaN and Infinity that strict JSON has no word for;
    # such a bar reaches the invariants and is rejected there, as it always was.
    try:
        document = json.loads(body)
    except ValueError:
        raise NotAJsonObject("malformed JSON") from None
    if not isinstance(document, dict):
        raise NotAJsonObject("unexpected JSON document")
    return _typed(document, symbol)


def _typed(document: Mapping[str, Any], symbol: str) -> AggregatesPage:
    try:
        return msgspec.convert(document, AggregatesPage)
    except msgspec.ValidationError as exc:  # says what and where: "... - at `$.results[3].t`"
        raise MalformedData(f"aggregates page for {symbol}: {exc}") from None


def parse_aggregates(page: Mapping[str, Any], symbol: str, timeframe: Timeframe) -> list[Bar]:
    """The bars of one aggregates page already decoded into Python objects; the same
    rules as :func:`decode_aggregates` (``{}`` and ``"results": null`` are no bars)."""
    return aggregate_bars(_typed(page, symbol), symbol, timeframe)


def aggregate_bars(page: AggregatesPage, symbol: str, timeframe: Timeframe) -> list[Bar]:
    """The bars of a decoded page, in its order."""
    # A page makes ~50,000 tuples, none in a reference cycle. In a process with a large
    # heap the cyclic collector would walk that heap several times meanwhile (measured:
    # parsing took twice as long), so it waits until the page is done.
    with _collector_paused():
        return _bars(page.results or [], symbol, timeframe)


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bars(results: Sequence[Aggregate], symbol: str, timeframe: Timeframe) -> list[Bar]:
    # tuple.__new__ skips the named tuple's Python-level __new__: the same Bar, built
    # ~15 % faster, which matters at 50,000 bars a page.
    new = tuple.__new__
    if timeframe is Timeframe.D1:
        try:
            return [
                new(Bar, (symbol, timeframe, _session_stamp(a.start_ms), a.open, a.high, a.low,
                          a.close, a.volume, a.vwap, a.trades))
                for a in results
            ]  # fmt: skip
        except (ValueError, OverflowError, OSError) as exc:  # a time no datetime holds
            raise MalformedData(f"aggregates page for {symbol}: bad aggregate ({exc!r})") from None
    starts = _utc_instants([a.start_ms for a in results], symbol)
    return [
        new(Bar, (symbol, timeframe, start, a.open, a.high, a.low, a.close, a.volume, a.vwap,
                  a.trades))
        for start, a in zip(starts, results, strict=True)
    ]  # fmt: skip


def _utc_instants(epoch_ms: list[int], symbol: str) -> list[datetime]:
    """Unix milliseconds as UTC datetimes, all at once: msgspec's lax conversion reads a
    number as Unix seconds in C, three times as fast as ``datetime.fromtimestamp`` per
    value, and rounds to the microsecond as it does (checked on 300,000 random values)."""
    try:
        return msgspec.convert([ms / 1000 for ms in epoch_ms], _INSTANTS, strict=False)
    except msgspec.ValidationError as exc:  # a time no datetime holds
        raise MalformedData(f"aggregates page for {symbol}: bad aggregate ({exc})") from None


_INSTANTS = list[datetime]


def parse_minute_event(event: dict[str, Any]) -> Bar:
    """One ``AM`` (minute aggregate) event of the live feed."""
    try:
        return Bar(
            event["sym"],
            Timeframe.M1,
            datetime.fromtimestamp(event["s"] / 1000, UTC),
            event["o"],
            event["h"],
            event["l"],
            event["c"],
            event["v"],
            event.get("vw"),
            None,  # AM events carry no trade count
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise MalformedData(f"bad AM event ({exc!r})") from None


def _session_stamp(epoch_ms: int) -> datetime:
    """Daily aggregates are stamped at midnight New York of their session date."""
    day: date = datetime.fromtimestamp(epoch_ms / 1000, exchange_timezone()).date()
    return Timeframe.D1.daily_stamp(day)
