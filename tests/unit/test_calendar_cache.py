"""The calendar's sessions cached on disk: the same answers as exchange_calendars, a
damaged or foreign file rebuilt, and a warm cache that needs neither it nor pandas."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chronox_adapters.calendars import ExchangeCalendar, load_calendar
from chronox_adapters.calendars.cache import decode, encode
from chronox_adapters.calendars.sessions import SessionTable
from chronox_domain import SessionKind

FIRST, LAST = date(2000, 1, 3), date(2030, 12, 31)  # the first a session day


@pytest.fixture(autouse=True)
def fresh_process_cache() -> None:
    load_calendar.cache_clear()


def cached(folder: Path) -> Path:
    (path,) = folder.glob("sessions-XNYS-*.bin")
    return path


def _rewritten(header: dict[str, Any], table: SessionTable) -> bytes:
    """A file written with this header and these columns (``encode`` adds the rows)."""
    return encode({name: value for name, value in header.items() if name != "rows"}, table)


def _columns(data: bytes, **changed: Any) -> bytes:
    header, table = decode(data)
    return _rewritten(header, dataclasses.replace(table, **changed))


def _header(data: bytes, **changed: Any) -> bytes:
    header, table = decode(data)
    return _rewritten({**header, **changed}, table)


def test_a_cached_calendar_answers_exactly_as_exchange_calendars(tmp_path: Path) -> None:
    built = load_calendar("XNYS", FIRST, LAST, tmp_path)
    assert cached(tmp_path).is_file()
    load_calendar.cache_clear()
    warm = load_calendar("XNYS", FIRST, LAST, tmp_path)
    reference = ExchangeCalendar("XNYS", FIRST, LAST)
    assert warm is not built and (warm.first_date, warm.last_date) == (FIRST, LAST)
    assert warm.table == built.table  # every column, read back as written
    for kind in SessionKind:
        assert warm.sessions(FIRST, LAST, kind) == reference.sessions(FIRST, LAST, kind)
    # Thanksgiving week 2024: the holiday is no session, the Friday closes early.
    week = warm.sessions(date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH)
    assert [s.date.day for s in week] == [25, 26, 27, 29] and week[-1].early_close


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1],  # one byte short
        lambda data: b"not a cache file",
        lambda data: b'{"rows": 2}\n' + bytes(50),  # a header, columns of another length
        lambda data: _header(data, code="XLON"),  # another calendar
        lambda data: _header(data, format=1),  # another layout
        lambda data: _header(data, library="exchange_calendars-0.0"),
        lambda data: _columns(data, opens=decode(data)[1].closes),
        lambda data: _columns(data, ordinals=decode(data)[1].ordinals[::-1]),
        lambda data: _columns(data, early=[2] * len(decode(data)[1].early)),
    ],
)
def test_a_damaged_or_foreign_cache_is_rebuilt_never_trusted(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    load_calendar("XNYS", FIRST, LAST, tmp_path)
    path = cached(tmp_path)
    sound = path.read_bytes()
    path.write_bytes(damage(sound))
    load_calendar.cache_clear()
    calendar = load_calendar("XNYS", FIRST, LAST, tmp_path)
    reference = ExchangeCalendar("XNYS", FIRST, LAST)
    assert calendar.sessions(FIRST, LAST, SessionKind.RTH) == reference.sessions(
        FIRST, LAST, SessionKind.RTH
    )
    assert path.read_bytes() == sound  # and written again, whole


def test_an_unwritable_cache_folder_only_costs_the_rebuild(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    calendar = load_calendar("XNYS", FIRST, LAST, blocked)
    assert calendar.sessions(date(2024, 1, 2), date(2024, 1, 5), SessionKind.RTH)


def test_a_warm_cache_needs_neither_exchange_calendars_nor_pandas(tmp_path: Path) -> None:
    load_calendar("XNYS", FIRST, LAST, tmp_path)
    program = f"""
import sys
from datetime import date
from pathlib import Path
from chronox_adapters.calendars import load_calendar
from chronox_domain import SessionKind
calendar = load_calendar("XNYS", date(2000, 1, 3), date(2030, 12, 31), Path({str(tmp_path)!r}))
assert len(calendar.sessions(date(2024, 1, 2), date(2024, 12, 31), SessionKind.ETH)) == 252
print(sorted({{"pandas", "exchange_calendars", "numpy"}} & set(sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
