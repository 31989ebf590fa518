"""Calendar sessions cached on disk, so that a command needs neither exchange_calendars
nor pandas: building the XNYS calendar for 1990-2035 takes most of a second of CPU, the
cache file a few milliseconds.

One file per (calendar, bounds, exchange_calendars version, file format), in the user
cache directory. A file that cannot be read, or says anything but exactly what was
asked, is rebuilt, never trusted; one that cannot be written is simply not kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from chronox_adapters.calendars.exchange import DEFAULT_FIRST, DEFAULT_LAST, build_table
from chronox_adapters.calendars.sessions import SessionCalendar, SessionTable, check_modelled

log = logging.getLogger(__name__)

#: Bump when the file's layout or the meaning of a column changes.
FORMAT = 1


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
    path = folder / f"sessions-{code}-{first}-{last}-{key['library']}-v{FORMAT}.json"
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
    from importlib.metadata import PackageNotFoundError, version

    try:
        library = version("exchange_calendars")
    except PackageNotFoundError:
        library = "unknown"
    return {
        "format": FORMAT,
        "code": code,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "library": f"exchange_calendars-{library}",
    }


def _read(path: Path, key: dict[str, Any]) -> SessionTable | None:
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.info("calendar cache %s unreadable (%s): rebuilding it", path, exc)
        return None
    try:
        if {name: document[name] for name in key} != key:
            raise ValueError("it was made for another calendar, bounds or library")
        table = SessionTable(
            ordinals=_ints(document["ordinals"]),
            opens=_ints(document["opens"]),
            closes=_ints(document["closes"]),
            early=[bool(flag) for flag in document["early"]],
        )
        _check(table)
    except (KeyError, TypeError, ValueError) as exc:
        log.info("calendar cache %s not sound (%s): rebuilding it", path, exc)
        return None
    return table


def _ints(values: Any) -> list[int]:
    if not isinstance(values, list) or not all(type(value) is int for value in values):
        raise ValueError("a column is not a list of integers")
    return values


def _check(table: SessionTable) -> None:
    """What any real calendar satisfies: one row per session, dates rising, every
    session opening before it closes and after the previous one closed."""
    n = len(table.ordinals)
    if not n or not len(table.opens) == len(table.closes) == len(table.early) == n:
        raise ValueError("columns of different lengths")
    for i in range(n):
        if table.opens[i] >= table.closes[i]:
            raise ValueError(f"session {i} closes before it opens")
        if i and (
            table.ordinals[i] <= table.ordinals[i - 1] or table.opens[i] < table.closes[i - 1]
        ):
            raise ValueError(f"session {i} is out of order")


def _write(path: Path, key: dict[str, Any], table: SessionTable) -> None:
    document = {
        **key,
        "ordinals": list(table.ordinals),
        "opens": list(table.opens),
        "closes": list(table.closes),
        "early": [int(flag) for flag in table.early],
    }
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sessions-")
        with os.fdopen(handle, "w") as out:
            json.dump(document, out, separators=(",", ":"))
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        log.info("calendar cache %s not written (%s)", path, exc)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
