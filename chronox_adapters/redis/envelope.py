"""The wire format of bar events on Redis: key names and the versioned JSON envelope.

One envelope per bar, compact JSON with the vendor's short field names::

    {"ver":1,"symbol":"SPY","timeframe":"1m","start":"2024-11-25T14:30:00Z",
     "o":597.1,"h":597.4,"l":596.9,"c":597.2,"v":181234.0,"vw":597.18,"n":2211,
     "provisional":true,"source":"polygon"}

Adding an optional field keeps version 1 (readers ignore fields they do not know);
removing, renaming or changing the meaning of one makes version 2, and a reader
refuses a version it does not know rather than guess. See docs/events.md.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime

from chronox_domain.bar import Bar, bar_problem
from chronox_domain.errors import InvalidInput, MalformedData
from chronox_domain.events import BarEvent
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe

VERSION = 1
#: The field of a stream entry that holds the envelope (``symbol`` sits beside it, so a
#: reader can pick one symbol's entries without parsing the others).
STREAM_FIELD = "event"
SYMBOL_FIELD = "symbol"

_TIMEFRAMES = {timeframe.value: timeframe for timeframe in Timeframe}


def channel(prefix: str, symbol: str, timeframe: Timeframe) -> str:
    """The pub/sub channel of one symbol's bars of one timeframe."""
    return f"{prefix}bars:{symbol}:{timeframe.value}"


def stream_key(prefix: str, timeframe: Timeframe) -> str:
    """The capped stream that keeps the latest events of one timeframe, all symbols."""
    return f"{prefix}stream:{timeframe.value}"


def encode(event: BarEvent) -> bytes:
    """The envelope of ``event``. Raises ``MalformedData`` for a number that is not finite.

    Written out by hand rather than through ``json.dumps``: this runs for every bar the
    publisher sends and is twice as fast this way; the tests check it against ``json``.
    """
    bar = event.bar
    o, h, lo, c, v = (float(x) for x in (bar.open, bar.high, bar.low, bar.close, bar.volume))
    vwap = None if bar.vwap is None else float(bar.vwap)
    start = bar.start
    if start.tzinfo is None:
        raise MalformedData(f"bar event {bar.symbol} {start}: start has no time zone")
    stamp = iso_utc(start)
    if not (_finite(o) and _finite(h) and _finite(lo) and _finite(c) and _finite(v)) or (
        vwap is not None and not _finite(vwap)
    ):
        raise MalformedData(f"bar event {bar.symbol} {stamp}: a number is not finite")
    return (
        f'{{"ver":{VERSION},"symbol":{_quoted(bar.symbol)},"timeframe":"{bar.timeframe.value}",'
        f'"start":"{stamp}","o":{o!r},"h":{h!r},"l":{lo!r},"c":{c!r},"v":{v!r},'
        f'"vw":{"null" if vwap is None else repr(vwap)},'
        f'"n":{"null" if bar.trades is None else int(bar.trades)},'
        f'"provisional":{"true" if event.provisional else "false"},'
        f'"source":{_quoted(event.source)}}}'
    ).encode()


_finite = math.isfinite


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """``text`` as a JSON string (symbols and source names: few, and seen again)."""
    return json.dumps(text)


def decode(data: bytes | bytearray | memoryview | str) -> BarEvent:
    """The event an envelope carries; ``MalformedData`` (saying why) for anything else."""
    try:
        raw = json.loads(bytes(data) if isinstance(data, memoryview) else data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedData(f"bar event envelope is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise MalformedData("bar event envelope is not a JSON object")
    version = raw.get("ver")
    if version != VERSION or isinstance(version, bool):
        raise MalformedData(
            f"bar event envelope version {version!r} is not supported (this chronox "
            f"reads version {VERSION})"
        )
    try:
        bar = Bar(
            symbol=_symbol(raw["symbol"]),
            timeframe=_timeframe(raw["timeframe"]),
            start=_start(raw["start"]),
            open=_number(raw, "o"),
            high=_number(raw, "h"),
            low=_number(raw, "l"),
            close=_number(raw, "c"),
            volume=_number(raw, "v"),
            vwap=None if raw.get("vw") is None else _number(raw, "vw"),
            trades=_count(raw.get("n")),
        )
        provisional, source = raw["provisional"], raw["source"]
    except KeyError as exc:
        raise MalformedData(f"bar event envelope lacks field {exc.args[0]!r}") from None
    if not isinstance(provisional, bool):
        raise MalformedData(f"bar event envelope: provisional {provisional!r} is not a boolean")
    if not isinstance(source, str) or not source:
        raise MalformedData(f"bar event envelope: source {source!r} is not a name")
    problem = bar_problem(bar)
    if problem is not None:
        raise MalformedData(f"bar event {bar.symbol} {raw['start']}: {problem}")
    return BarEvent(bar, provisional, source)


def _symbol(value: object) -> str:
    if isinstance(value, str):
        try:
            if parse_symbol(value) == value:
                return value
        except InvalidInput:
            pass
    raise MalformedData(f"bar event envelope: symbol {value!r} is not a canonical ticker")


def _timeframe(value: object) -> Timeframe:
    timeframe = _TIMEFRAMES.get(value) if isinstance(value, str) else None
    if timeframe is None:
        raise MalformedData(f"bar event envelope: unknown timeframe {value!r}")
    return timeframe


def _start(value: object) -> datetime:
    try:
        start = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise MalformedData(f"bar event envelope: start {value!r} is not a UTC timestamp")
    try:
        return start.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is a year before the first in UTC
        raise MalformedData(f"bar event envelope: start {value!r} is not a UTC instant") from None


def _number(raw: dict[str, object], name: str) -> float:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedData(f"bar event envelope: {name} {value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:  # JSON integers have as many digits as the sender likes
        raise MalformedData(
            f"bar event envelope: {name} (an integer of {len(str(abs(value)))} digits) is "
            "not a number a float holds"
        ) from None
    if not math.isfinite(number):
        raise MalformedData(f"bar event envelope: {name} {value!r} is not finite")
    return number


def _count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedData(f"bar event envelope: n {value!r} is not a whole number")
    return value
