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
import operator
import os
import tempfile
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from chronox_adapters.calendars.exchange import DEFAULT_FIRST, DEFAULT_LAST, build_table
from chronox_adapters.calendars.sessions import SessionCalendar, SessionTable, check_modelled

log = logging.getLogger(__name__)

#: Bump when the file's layout or the meaning of a column changes.
FORMAT = 1
#: The library that builds a calendar when no cache file fits (its version keys the file).
_LIBRARY = "exchange_calendars"


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
    library = _library_version()
    return {
        "format": FORMAT,
        "code": code,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "library": f"exchange_calendars-{library}",
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
    # map/set/all run in C: checking 4 x 11,600 values costs well under a millisecond.
    if not isinstance(values, list) or (values and set(map(type, values)) != {int}):
        raise ValueError("a column is not a list of integers")
    return values


def _check(table: SessionTable) -> None:
    """What any real calendar satisfies: one row per session, dates rising, every
    session opening before it closes and after the previous one closed."""
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
