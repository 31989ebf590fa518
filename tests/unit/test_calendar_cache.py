"""The calendar's sessions cached on disk: the same answers as exchange_calendars, a
damaged or foreign file rebuilt, and a warm cache that needs neither it nor pandas."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chronox_adapters.calendars import ExchangeCalendar, cache, load_calendar
from chronox_adapters.calendars.cache import check, decode, encode
from chronox_adapters.calendars.sessions import SessionTable
from chronox_domain import SessionKind

FIRST, LAST = date(2000, 1, 3), date(2030, 12, 31)  # the first a session day


@pytest.fixture(autouse=True)
def fresh_process_cache() -> None:
    load_calendar.cache_clear()


def cached(folder: Path) -> Path:
    (path,) = folder.glob("sessions-XNYS-*.bin")
    return path


def _header(data: bytes, **changed: Any) -> bytes:
    """The file with header fields changed (its columns, and their checksum, kept)."""
    line, _, body = data.partition(b"\n")
    return json.dumps({**json.loads(line), **changed}).encode() + b"\n" + body


def _flipped(data: bytes, at: int) -> bytes:
    """The file with one byte of its columns changed (``at`` counted from their end)."""
    damaged = bytearray(data)
    damaged[-at] ^= 0x40
    return bytes(damaged)


def test_a_cached_calendar_answers_exactly_as_exchange_calendars(tmp_path: Path) -> None:
    built = load_calendar("XNYS", FIRST, LAST, tmp_path)
    assert cached(tmp_path).is_file()
    load_calendar.cache_clear()
    warm = load_calendar("XNYS", FIRST, LAST, tmp_path)
    reference = ExchangeCalendar("XNYS", FIRST, LAST)
    assert warm is not built and (warm.first_date, warm.last_date) == (FIRST, LAST)
    for column in ("ordinals", "opens", "closes", "early"):  # read back as written
        assert list(getattr(warm.table, column)) == list(getattr(built.table, column))
    for kind in SessionKind:
        assert warm.sessions(FIRST, LAST, kind) == reference.sessions(FIRST, LAST, kind)
    # Thanksgiving week 2024: the holiday is no session, the Friday closes early.
    week = warm.sessions(date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH)
    assert [s.date.day for s in week] == [25, 26, 27, 29] and week[-1].early_close
    assert week[-1].early_close is True and week[0].early_close is False


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1],  # one byte short
        lambda data: b"not a cache file",
        lambda data: b'{"rows": 2}\n' + bytes(50),  # a header, columns of another length
        lambda data: _header(data, code="XLON"),  # another calendar
        lambda data: _header(data, format=2),  # another layout
        lambda data: _header(data, library="exchange_calendars-0.0"),
        lambda data: _header(data, crc32=0),
        lambda data: _flipped(data, 5_000),  # a date or a time
        lambda data: _flipped(data, 1),  # an early-close flag: 0x40 or 0x41
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


@pytest.mark.parametrize(
    "unsound",
    [
        {"opens": [10, 20], "closes": [5, 25]},  # closes before it opens
        {"ordinals": [2, 1]},  # dates not rising
        {"opens": [10, 15], "closes": [20, 25]},  # opens before the previous one closed
        {"early": [False]},  # columns of different lengths
    ],
)
def test_a_calendar_that_is_not_sound_is_used_but_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unsound: dict[str, Any]
) -> None:
    sound = SessionTable(ordinals=[1, 2], opens=[10, 30], closes=[20, 40], early=[False, True])
    table = dataclasses.replace(sound, **unsound)
    with pytest.raises(ValueError):
        check(table)
    monkeypatch.setattr(cache, "build_table", lambda code, first, last: table)
    calendar = load_calendar("XNYS", FIRST, LAST, tmp_path)
    assert calendar.table is table and not list(tmp_path.iterdir())


def test_the_columns_are_read_back_as_written() -> None:
    table = SessionTable(
        ordinals=[1, 2, 3], opens=[10, 30, 50], closes=[20, 40, 60], early=[False, True, False]
    )
    check(table)
    header, read = decode(encode({"code": "XNYS"}, table))
    assert header["code"] == "XNYS" and header["rows"] == 3
    assert [list(read.ordinals), list(read.opens), list(read.closes), read.early] == [
        [1, 2, 3],
        [10, 30, 50],
        [20, 40, 60],
        [False, True, False],
    ]


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
