"""Bars as columns to PostgreSQL's binary COPY format, with no object per bar.

A binary COPY row is the same bytes for every bar of a series but for its fields'
values: the field count, each field's length, the symbol, the source. So a block of
rows is a template row repeated, and each 8-byte field is laid in by eight strided
slice assignments (every ``row``-th byte of the block takes every 8th byte of the
column, big-endian): C loops over bytes, whatever the number of bars. Series whose
symbols have the same length (and the same source, and whose VWAPs and trade counts
are all known or all unknown) share a block, the symbol's bytes laid in the same way.
A series that mixes known and unknown values (a NULL has no width) is written a row at
a time.

The columns are those of :data:`~chronox_adapters.timescale.tables.BAR_COLUMNS`; every
bar is final (``provisional`` false).
"""

from __future__ import annotations

import math
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence

from chronox_domain.batch import ColumnBatch
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns

#: The binary COPY header (signature, no flags, no extension) and trailer.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"
#: 2000-01-01 UTC, PostgreSQL's timestamp epoch, in microseconds since 1970's.
_PG_EPOCH_US = 946_684_800_000_000
_FIELDS = 11
_NULL = struct.pack(">i", -1)
_EIGHT = struct.pack(">i", 8)
_FALSE = struct.pack(">ib", 1, 0)
_SWAP = sys.byteorder == "little"
_NAN_BYTES = array("d", [math.nan]).tobytes()

#: (symbol length, source, VWAPs known, trades known): the rows of a block share these.
_Shape = tuple[int, bytes, bool, bool]


def copy_data(batches: Sequence[ColumnBatch]) -> Iterator[bytes | bytearray]:
    """The whole binary COPY stream of the bars of ``batches``: a block at a time."""
    yield SIGNATURE
    shapes: dict[_Shape, list[tuple[bytes, BarColumns]]] = {}
    for batch in batches:
        columns = batch.columns
        if not columns:
            continue
        symbol, source = columns.symbol.encode(), batch.source.encode()
        vwap, trades = _vwap_known(columns), _trades_known(columns)
        if vwap is None or trades is None:
            yield _rows(symbol, source, columns)
        else:
            shapes.setdefault((len(symbol), source, vwap, trades), []).append((symbol, columns))
    for shape, series in shapes.items():
        yield _block(shape, series)
    yield TRAILER


def _block(shape: _Shape, series: list[tuple[bytes, BarColumns]]) -> bytearray:
    width, source, vwap_known, trades_known = shape
    symbols = b"".join(symbol * len(columns) for symbol, columns in series)
    fields: list[tuple[bytes, int]] = [(symbols, width), (_starts(series), 8)]
    for name in ("open", "high", "low", "close", "volume"):
        fields.append((_doubles(series, name), 8))
    if vwap_known:
        fields.append((_doubles(series, "vwap"), 8))
    if trades_known:
        fields.append((_big_endian(_concatenated(series, "trades")), 8))
    template, offsets = _template(width, source, vwap_known, trades_known)
    count = sum(len(columns) for _, columns in series)
    size = len(template)
    block = bytearray(template) * count
    for (data, each), offset in zip(fields, offsets, strict=True):
        for k in range(each):
            block[offset + k :: size] = data[k::each]
    return block


def _template(
    width: int, source: bytes, vwap_known: bool, trades_known: bool
) -> tuple[bytes, list[int]]:
    """One row with zeros where its values go, and the offsets of those values (the
    symbol, start, open, high, low, close, volume, then VWAP and trades if known)."""
    parts = [struct.pack(">hi", _FIELDS, width)]
    offsets = [2 + 4]
    at = 2 + 4 + width
    parts.append(bytes(width))
    for _ in range(6 + vwap_known):  # start, open, high, low, close, volume (, vwap)
        parts.append(_EIGHT + bytes(8))
        offsets.append(at + 4)
        at += 12
    if not vwap_known:
        parts.append(_NULL)
        at += 4
    if trades_known:
        parts.append(_EIGHT + bytes(8))
        offsets.append(at + 4)
        at += 12
    else:
        parts.append(_NULL)
        at += 4
    parts.append(_FALSE + struct.pack(">i", len(source)) + source)
    return b"".join(parts), offsets


def _starts(series: list[tuple[bytes, BarColumns]]) -> bytes:
    """Starts as PostgreSQL timestamps: microseconds since 2000, big-endian. A day's
    bars share a few hundred starts: each is worked out once."""
    ns = _concatenated(series, "start_ns")
    micros = {start: start // 1_000 - _PG_EPOCH_US for start in set(ns)}
    return _big_endian(array("q", list(map(micros.__getitem__, ns))))


def _doubles(series: list[tuple[bytes, BarColumns]], name: str) -> bytes:
    return _big_endian(_concatenated(series, name))


def _concatenated(series: list[tuple[bytes, BarColumns]], name: str) -> array[int] | array[float]:
    first: array[int] | array[float] = getattr(series[0][1], name)
    joined = first[:0]
    for _, columns in series:
        joined += getattr(columns, name)
    return joined


def _big_endian(values: array[int] | array[float]) -> bytes:
    if _SWAP:
        values = values[:]  # not the caller's array
        values.byteswap()
    return values.tobytes()


def _vwap_known(columns: BarColumns) -> bool | None:
    """True: every VWAP known; False: none; None: some."""
    vwap = columns.vwap
    if vwap.tobytes() == _NAN_BYTES * len(vwap):  # the columns of a day file: at once
        return False
    unknown = sum(map(math.isnan, vwap))
    return True if unknown == 0 else False if unknown == len(columns) else None


def _trades_known(columns: BarColumns) -> bool | None:
    unknown = columns.trades.count(UNKNOWN_TRADES)
    return True if unknown == 0 else False if unknown == len(columns) else None


def _rows(symbol: bytes, source: bytes, columns: BarColumns) -> bytes:
    """Row by row: for a series whose VWAPs or trade counts are known for some bars only."""
    head = struct.pack(">hi", _FIELDS, len(symbol)) + symbol
    tail = _FALSE + struct.pack(">i", len(source)) + source
    rows = []
    for ns, o, h, lo, c, v, vw, n in zip(*columns.arrays(), strict=True):
        start = ns // 1_000 - _PG_EPOCH_US
        vwap = _NULL if math.isnan(vw) else _EIGHT + struct.pack(">d", vw)
        trades = _NULL if n == UNKNOWN_TRADES else _EIGHT + struct.pack(">q", n)
        values = struct.pack(">iqidididid", 8, start, 8, o, 8, h, 8, lo, 8, c)
        volume = _EIGHT + struct.pack(">d", v)
        rows.append(b"".join((head, values, volume, vwap, trades, tail)))
    return b"".join(rows)
