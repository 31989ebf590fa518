"""Calendar sessions cached on disk, so that a command needs neither exchange_calendars
nor pandas: building the XNYS calendar for 1990-2035 takes most of a second of CPU, the
cache file about a millisecond.

One file per (calendar, bounds, exchange_calendars version, file format), in the user
cache directory. A file that cannot be read, or says anything but exactly what was
asked, is rebuilt, never trusted; one that cannot be written is simply not kept.

The layout (format 3): one line of JSON, the key, the row count and the CRC-32 of what
follows, then the columns as little-endian 64-bit integers (dates as ordinals, opens,
closes) and one byte per row (an early close). A table is checked for what any real
calendar satisfies before it is written; a file is trusted when its header names what
was asked and its columns are the bytes the checksum was taken of. Format 1 held the
columns as JSON lists and checked every row on each read: about 10 ms of a command's
start-up, a fifth of what it added to its libraries'; format 3 loads in about one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import os
import sys
import tempfile
import zlib
from array import array
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from chronox_adapters.calendars.exchange import DEFAULT_FIRST, DEFAULT_LAST, build_table
from chronox_adapters.calendars.sessions import SessionCalendar, SessionTable, check_modelled

log = logging.getLogger(__name__)

#: Bump when the file's layout or the meaning of a column changes.
FORMAT = 3
#: The library that builds a calendar when no cache file fits (its version keys the file).
_LIBRARY = "exchange_calendars"
#: The three integer columns, in file order, then ``early`` (one byte a row).
_INT_COLUMNS = ("ordinals", "opens", "closes")
_INT = "q"  # array typecode: signed 64-bit
_INT_SIZE = array(_INT).itemsize


@cache
def load_calendar(
    code: str = "XNYS",
    first: date = DEFAULT_FIRST,
    last: date = DEFAULT_LAST,
    cache_dir: Path | None = None,
) -> SessionCalendar:
    """One shared, immutable calendar per (code, bounds) in a process, from the cache
    file when it is sound, else built (and the file written for the next process)."""
    check_modelled(code)  # also when an older version left a cache file for it
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    key = _key(code, first, last)
    path = folder / f"sessions-{code}-{first}-{last}-{key['library']}-v{FORMAT}.bin"
    table = _read(path, key)
    if table is None:
        table = build_table(code, first, last)
        _write(path, key, table)
    start = date.fromordinal(table.ordinals[0]) if table.ordinals else first
    return SessionCalendar(code, table, max(first, start), last)


def default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("chronox", appauthor=False)


def _key(code: str, first: date, last: date) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "code": code,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "library": f"{_LIBRARY}-{_library_version()}",
    }


def _library_version() -> str:
    """exchange_calendars' installed version, read from its ``.dist-info`` folder beside
    the package when there is one: importing ``importlib.metadata`` and scanning every
    distribution costs a command about 15 ms, most of what a warm cache saves."""
    import importlib.util

    spec = importlib.util.find_spec(_LIBRARY)
    if spec is not None and spec.origin is not None:
        beside = Path(spec.origin).parent.parent
        prefix = f"{_LIBRARY}-"
        with contextlib.suppress(OSError):
            found = [
                entry.name[len(prefix) : -len(".dist-info")]
                for entry in os.scandir(beside)
                if entry.name.startswith(prefix) and entry.name.endswith(".dist-info")
            ]
            if len(found) == 1:
                return found[0]
    from importlib.metadata import PackageNotFoundError, version  # an unusual install

    try:
        return version(_LIBRARY)
    except PackageNotFoundError:
        return "unknown"


def encode(key: dict[str, Any], table: SessionTable) -> bytes:
    """The file's bytes: the header line, then the columns."""
    columns = [array(_INT, getattr(table, name)) for name in _INT_COLUMNS]
    if sys.byteorder != "little":
        for column in columns:
            column.byteswap()
    body = b"".join(column.tobytes() for column in columns) + bytes(table.early)
    header = {**key, "rows": len(table.ordinals), "crc32": zlib.crc32(body)}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def decode(data: bytes) -> tuple[dict[str, Any], SessionTable]:
    """The header and the table of a file's bytes; ValueError for anything else."""
    line, separator, body = data.partition(b"\n")
    if not separator:
        raise ValueError("no header line")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError("the header is not an object")
    rows = header.get("rows")
    if type(rows) is not int or rows < 1:
        raise ValueError("no row count")
    width = rows * _INT_SIZE
    if len(body) != width * len(_INT_COLUMNS) + rows:
        raise ValueError(f"{len(body)} bytes of columns for {rows} rows")
    if header.get("crc32") != zlib.crc32(body):
        raise ValueError("the columns are not the bytes that were written")
    columns = []
    for i in range(len(_INT_COLUMNS)):
        column = array(_INT, body[i * width : (i + 1) * width])
        if sys.byteorder != "little":
            column.byteswap()
        columns.append(column)
    flags = body[width * len(_INT_COLUMNS) :]
    if flags.translate(None, b"\x00\x01"):
        raise ValueError("an early-close flag is neither 0 nor 1")
    early = [False] * rows  # a few early closes a year: found, not converted one by one
    at = flags.find(1)
    while at != -1:
        early[at] = True
        at = flags.find(1, at + 1)
    ordinals, opens, closes = columns
    return header, SessionTable(ordinals=ordinals, opens=opens, closes=closes, early=early)


def _read(path: Path, key: dict[str, Any]) -> SessionTable | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("calendar cache %s unreadable (%s): rebuilding it", path, exc)
        return None
    try:
        header, table = decode(data)
        if {name: header.get(name) for name in key} != key:
            raise ValueError("it was made for another calendar, bounds or library")
    except (TypeError, ValueError) as exc:  # json's errors are ValueErrors
        log.info("calendar cache %s not sound (%s): rebuilding it", path, exc)
        return None
    return table


def check(table: SessionTable) -> None:
    """What any real calendar satisfies: one row per session, dates rising, every
    session opening before it closes and after the previous one closed. ValueError
    otherwise. (map and operator compare in C.)"""
    ordinals, opens, closes = table.ordinals, table.opens, table.closes
    n = len(ordinals)
    if not n or not len(opens) == len(closes) == len(table.early) == n:
        raise ValueError("columns of different lengths")
    if not all(map(operator.lt, opens, closes)):
        raise ValueError("a session closes before it opens")
    rising = all(map(operator.lt, ordinals, islice(ordinals, 1, None)))
    if not rising or not all(map(operator.le, closes, islice(opens, 1, None))):
        raise ValueError("sessions out of order")


def _write(path: Path, key: dict[str, Any], table: SessionTable) -> None:
    try:
        check(table)
    except ValueError as exc:  # the library's answer: used, never kept
        log.warning("calendar %s not cached: its sessions are not sound (%s)", path.name, exc)
        return
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sessions-")
        with os.fdopen(handle, "wb") as out:
            out.write(encode(key, table))
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        log.info("calendar cache %s not written (%s)", path, exc)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
