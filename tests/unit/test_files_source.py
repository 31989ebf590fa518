"""The files source: chronox CSV and the vendor's flat files, plain or gzip, read back."""

from __future__ import annotations

import csv
import gzip
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chronox_adapters.files import FileSource
from chronox_domain.bar import Bar
from chronox_domain.errors import InvalidInput, MalformedData
from chronox_domain.interval import Interval
from chronox_domain.ports import Fetched
from chronox_domain.timeframe import Timeframe

CHRONOX_HEADER = "symbol,timeframe,start,open,high,low,close,volume,vwap,trades"
VENDOR_HEADER = "ticker,volume,open,close,high,low,window_start,transactions"
M1, D1 = Timeframe.M1, Timeframe.D1
EVERYTHING = Interval(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def window(start: str, end: str) -> Interval:
    return Interval(at(start), at(end))


def ns(text: str) -> int:
    """Epoch nanoseconds of an ISO time, as the vendor writes ``window_start``."""
    return int(at(text).timestamp()) * 1_000_000_000


def write(path: Path, *lines: str, gzipped: bool = False) -> Path:
    data = "".join(f"{line}\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def chronox_file(tmp_path: Path, *rows: str, gzipped: bool = False) -> FileSource:
    return FileSource(write(tmp_path / "bars.csv", CHRONOX_HEADER, *rows, gzipped=gzipped))


def vendor_file(tmp_path: Path, *rows: str, gzipped: bool = False) -> FileSource:
    name = "aggs.csv.gz" if gzipped else "aggs.csv"
    return FileSource(write(tmp_path / name, VENDOR_HEADER, *rows, gzipped=gzipped))


def starts(bars: list[Bar]) -> list[datetime]:
    return [bar.start for bar in bars]


# --- chronox CSV -----------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
def test_chronox_csv_minute_bars_come_back_whole_and_sorted(tmp_path: Path, gzipped: bool) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1m,2024-11-25T14:31:00Z,187.5,188.0,187.25,187.75,1200,187.6,14",
        "AAPL,1m,2024-11-25T14:30:00Z,187.0,187.5,186.5,187.5,3000,187.1,40",
        gzipped=gzipped,
    )

    fetched = source.fetch("AAPL", M1, window("2024-11-25T14:00:00Z", "2024-11-25T15:00:00Z"))

    assert fetched.bars == [
        Bar("AAPL", M1, at("2024-11-25T14:30:00Z"), 187.0, 187.5, 186.5, 187.5, 3000, 187.1, 40),
        Bar("AAPL", M1, at("2024-11-25T14:31:00Z"), 187.5, 188.0, 187.25, 187.75, 1200, 187.6, 14),
    ]


def test_only_bars_starting_inside_the_window_are_returned(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        *(f"AAPL,1m,2024-11-25T14:3{m}:00Z,10,11,9,10,100,," for m in range(6)),
    )

    fetched = source.fetch("AAPL", M1, window("2024-11-25T14:31:00Z", "2024-11-25T14:34:00Z"))

    assert starts(fetched.bars) == [
        at("2024-11-25T14:31:00Z"),
        at("2024-11-25T14:32:00Z"),
        at("2024-11-25T14:33:00Z"),
    ]


def test_rows_of_other_symbols_and_timeframes_are_not_served(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "MSFT,1m,2024-11-25T14:30:00Z,20,21,19,20,100,,",
        "AAPL,5m,2024-11-25T14:30:00Z,30,31,29,30,100,,",
        "AAPL,1d,2024-11-25,40,41,39,40,100,,",
    )

    minute = source.fetch("AAPL", M1, EVERYTHING).bars
    five = source.fetch("AAPL", Timeframe.M5, EVERYTHING).bars

    assert [(b.symbol, b.timeframe, b.open) for b in minute] == [("AAPL", M1, 10.0)]
    assert [(b.symbol, b.timeframe, b.open) for b in five] == [("AAPL", Timeframe.M5, 30.0)]
    assert source.fetch("AAPL", Timeframe.H1, EVERYTHING).bars == []


def test_empty_vwap_and_trades_are_none(tmp_path: Path) -> None:
    source = chronox_file(tmp_path, "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,")

    [bar] = source.fetch("AAPL", M1, EVERYTHING).bars

    assert (bar.vwap, bar.trades) == (None, None)


def test_daily_starts_may_be_a_bare_date_z_or_an_offset(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1d,2024-11-25,10,11,9,10,100,,",
        "AAPL,1d,2024-11-26T00:00:00Z,10,11,9,10,100,,",
        "AAPL,1d,2024-11-26T19:00:00-05:00,10,11,9,10,100,,",
    )

    bars = source.fetch("AAPL", D1, EVERYTHING).bars

    assert starts(bars) == [D1.daily_stamp(date(2024, 11, d)) for d in (25, 26, 27)]
    assert all(bar.start.tzinfo is UTC for bar in bars)


def test_symbols_are_canonicalised_on_both_sides(tmp_path: Path) -> None:
    source = chronox_file(tmp_path, "brk.b,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,")

    assert [b.symbol for b in source.fetch("BRK.B", M1, EVERYTHING).bars] == ["BRK.B"]
    assert [b.symbol for b in source.fetch("brk.b", M1, EVERYTHING).bars] == ["BRK.B"]


def test_a_spreadsheet_bom_and_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = f"{CHRONOX_HEADER}\r\nAAPL,1m,2024-11-25T14:30:00Z,1,2,1,2,3,,\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())

    assert len(FileSource(path).fetch("AAPL", M1, EVERYTHING).bars) == 1


def test_a_cli_csv_export_reads_back_as_the_same_bars(tmp_path: Path) -> None:
    minute = at("2024-11-25T14:30:00Z")
    day = D1.daily_stamp(date(2024, 11, 25))
    bars = [
        Bar("AAPL", M1, minute, 187.01, 187.5, 186.93, 187.2, 3100.0, 187.1, 42),
        Bar("AAPL", M1, minute + timedelta(minutes=1), 187.2, 187.3, 187.0, 187.05, 800.0),
        Bar("AAPL", D1, day, 187.0, 190.0, 186.0, 189.5, 5.25e7, 188.3, 9),
        Bar("MSFT", M1, minute, 415.1, 415.6, 414.8, 415.0, 1500.0, 415.2, 20),
    ]
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as out:  # rendered as ``chronox-cli bars --format csv`` does
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CHRONOX_HEADER.split(","))
        writer.writerows(
            (b.symbol, b.timeframe.value, b.start.strftime("%Y-%m-%dT%H:%M:%SZ"), b.open, b.high,
             b.low, b.close, b.volume, "" if b.vwap is None else b.vwap,
             "" if b.trades is None else b.trades)
            for b in bars
        )  # fmt: skip
    source = FileSource(path)

    read_back = [
        bar
        for symbol in ("AAPL", "MSFT")
        for timeframe in (M1, D1)
        for bar in source.fetch(symbol, timeframe, EVERYTHING).bars
    ]

    assert read_back == bars


# --- vouched: per session, from the first row's slot to the last row's slot end ------------


def nov(day_time: str) -> datetime:
    """A moment of November 2024: ``nov("25T14:30")``."""
    return at(f"2024-11-{day_time}:00Z")


def spans(*pairs: tuple[str, str]) -> list[Interval]:
    return [Interval(nov(start), nov(end)) for start, end in pairs]


@pytest.mark.parametrize(
    ("asked", "vouched"),
    [
        # inside one session's rows: all of it
        (("25T15:00", "25T16:00"), [("25T15:00", "25T16:00")]),
        # across two sessions: each from its first row to its last row's slot end,
        # nothing of the night between them
        (("25T14:00", "26T15:00"), [("25T14:30", "25T21:00"), ("26T14:30", "26T15:00")]),
        # reaching before the first row: from its slot only
        (("20T00:00", "25T16:00"), [("25T14:30", "25T16:00")]),
        # reaching past the last row: to the end of its slot, not of its day
        (("26T12:00", "30T00:00"), [("26T14:30", "26T20:00")]),
        # around the whole file
        (("01T00:00", "30T00:00"), [("25T14:30", "25T21:00"), ("26T14:30", "26T20:00")]),
    ],
)
def test_vouched_is_each_session_from_its_first_row_to_its_last_row_slot_end(
    tmp_path: Path, asked: tuple[str, str], vouched: list[tuple[str, str]]
) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T20:59:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-26T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-26T19:59:00Z,10,11,9,10,100,,",  # cut off an hour before the close
    )

    fetched = source.fetch("AAPL", M1, Interval(nov(asked[0]), nov(asked[1])))

    assert fetched.vouched == spans(*vouched)


def test_a_day_missing_from_the_middle_of_the_file_is_not_vouched(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        *(f"AAPL,1m,2024-11-{day}T{hm}:00Z,10,11,9,10,100,,"
          for day in (25, 27) for hm in ("14:30", "20:59")),
    )  # fmt: skip

    fetched = source.fetch("AAPL", M1, window("2024-11-25T00:00:00Z", "2024-11-28T00:00:00Z"))

    assert fetched.vouched == spans(("25T14:30", "25T21:00"), ("27T14:30", "27T21:00"))
    assert source.fetch("AAPL", M1, window("2024-11-26T00:00:00Z", "2024-11-27T00:00:00Z")) == (
        Fetched([], [])
    )


def test_a_quiet_stretch_inside_a_session_is_vouched_empty(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T15:30:00Z,10,11,9,10,100,,",
    )
    quiet = window("2024-11-25T14:31:00Z", "2024-11-25T15:30:00Z")

    fetched = source.fetch("AAPL", M1, quiet)

    assert (fetched.bars, fetched.vouched) == ([], [quiet])


@pytest.mark.parametrize(
    ("timeframe", "first", "last", "end"),
    [
        (Timeframe.M5, "2024-11-25T14:30:00Z", "2024-11-25T17:55:00Z", "2024-11-25T18:00:00Z"),
        (Timeframe.M15, "2024-11-25T14:30:00Z", "2024-11-25T20:45:00Z", "2024-11-25T21:00:00Z"),
        # 1h: the 09:30 open lies in the 09:00 New York slot (14:00Z), which the span starts at
        (Timeframe.H1, "2024-11-25T14:00:00Z", "2024-11-25T18:00:00Z", "2024-11-25T19:00:00Z"),
        # extended hours: 04:00-20:00 New York is 09:00Z-01:00Z in winter, one session
        (M1, "2024-11-25T09:00:00Z", "2024-11-26T00:59:00Z", "2024-11-26T01:00:00Z"),
        (Timeframe.H1, "2024-11-25T09:00:00Z", "2024-11-26T00:00:00Z", "2024-11-26T01:00:00Z"),
    ],
)
def test_every_intraday_timeframe_vouches_from_the_first_slot_to_the_last_slot_end(
    tmp_path: Path, timeframe: Timeframe, first: str, last: str, end: str
) -> None:
    source = chronox_file(
        tmp_path,
        f"AAPL,{timeframe},{first},10,11,9,10,100,,",
        f"AAPL,{timeframe},{last},10,11,9,10,100,,",
    )

    fetched = source.fetch("AAPL", timeframe, EVERYTHING)

    assert fetched.vouched == [window(first, end)]


@pytest.mark.parametrize(
    ("symbol", "timeframe", "asked"),
    [
        ("AAPL", M1, ("2024-11-25T14:31:00Z", "2024-11-28T00:00:00Z")),  # after the last row
        ("AAPL", M1, ("2024-11-20T00:00:00Z", "2024-11-25T14:30:00Z")),  # before the first
        ("MSFT", M1, ("2024-11-25T00:00:00Z", "2024-11-26T00:00:00Z")),  # not in the file
        ("AAPL", D1, ("2024-11-25T00:00:00Z", "2024-11-26T00:00:00Z")),  # no daily bars
    ],
)
def test_nothing_is_vouched_outside_what_the_file_holds(
    tmp_path: Path, symbol: str, timeframe: Timeframe, asked: tuple[str, str]
) -> None:
    source = chronox_file(tmp_path, "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,")

    fetched = source.fetch(symbol, timeframe, window(*asked))

    assert (fetched.bars, fetched.vouched) == ([], [])


def test_daily_bars_vouch_for_their_own_days_only(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1d,2024-11-25,10,11,9,10,100,,",
        "AAPL,1d,2024-11-26,10,11,9,10,100,,",
        "AAPL,1d,2024-11-29,10,11,9,10,100,,",  # the 27th is missing from the file
    )

    fetched = source.fetch("AAPL", D1, window("2024-11-01T00:00:00Z", "2024-12-01T00:00:00Z"))

    assert fetched.vouched == [
        window("2024-11-25T00:00:00Z", "2024-11-27T00:00:00Z"),
        window("2024-11-29T00:00:00Z", "2024-11-30T00:00:00Z"),
    ]


def test_a_winter_post_market_past_midnight_utc_does_not_vouch_for_the_next_session(
    tmp_path: Path,
) -> None:
    # The 2024-01-02 session (EST) runs 09:00Z .. 01:00Z on Jan 3: its rows past midnight
    # UTC belong to it (New York date Jan 2), and prove nothing of the Jan 3 session.
    source = vendor_file(
        tmp_path,
        f"AAPL,100,10,10,11,9,{ns('2024-01-02T09:00:00Z')},1",
        f"AAPL,100,10,10,11,9,{ns('2024-01-03T00:59:00Z')},1",
    )

    fetched = source.fetch("AAPL", M1, window("2024-01-02T00:00:00Z", "2024-01-04T00:00:00Z"))

    assert fetched.vouched == [window("2024-01-02T09:00:00Z", "2024-01-03T01:00:00Z")]


# --- the vendor's flat files -------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
def test_vendor_minute_aggregates_are_utc_minute_bars_without_vwap(
    tmp_path: Path, gzipped: bool
) -> None:
    source = vendor_file(
        tmp_path,
        f"AAPL,3000,187.0,187.5,187.75,186.5,{ns('2024-11-25T14:30:00Z')},40",
        f"AAPL,1200,187.5,187.25,188.0,187.0,{ns('2024-11-25T14:31:00Z')},14",
        f"MSFT,500,415.0,415.5,416.0,414.0,{ns('2024-11-25T14:30:00Z')},",
        gzipped=gzipped,
    )

    aapl = source.fetch("AAPL", M1, window("2024-11-25T14:00:00Z", "2024-11-25T15:00:00Z"))
    msft = source.fetch("MSFT", M1, EVERYTHING)

    assert aapl.bars == [
        Bar("AAPL", M1, at("2024-11-25T14:30:00Z"), 187.0, 187.75, 186.5, 187.5, 3000.0, None, 40),
        Bar("AAPL", M1, at("2024-11-25T14:31:00Z"), 187.5, 188.0, 187.0, 187.25, 1200.0, None, 14),
    ]
    assert [(b.open, b.close, b.trades) for b in msft.bars] == [(415.0, 415.5, None)]


@pytest.mark.parametrize(
    ("session", "new_york_midnight"),
    [
        (date(2024, 7, 1), "2024-07-01T04:00:00Z"),  # daylight saving time: UTC-4
        (date(2024, 1, 2), "2024-01-02T05:00:00Z"),  # standard time: UTC-5
        (date(2024, 3, 11), "2024-03-11T04:00:00Z"),  # the Monday after the spring change
    ],
)
def test_vendor_day_aggregates_are_stamped_with_their_new_york_session_date(
    tmp_path: Path, session: date, new_york_midnight: str
) -> None:
    source = vendor_file(tmp_path, f"AAPL,5e7,187,189.5,190,186,{ns(new_york_midnight)},9")

    fetched = source.fetch("AAPL", D1, EVERYTHING)

    stamp = D1.daily_stamp(session)
    assert fetched.bars == [Bar("AAPL", D1, stamp, 187.0, 190.0, 186.0, 189.5, 5e7, None, 9)]
    assert fetched.vouched == [Interval(stamp, stamp + timedelta(days=1))]


def test_vendor_day_aggregates_vouch_for_their_stamped_days(tmp_path: Path) -> None:
    source = vendor_file(
        tmp_path,
        f"AAPL,100,10,10,11,9,{ns('2024-01-02T05:00:00Z')},1",
        f"AAPL,100,10,10,11,9,{ns('2024-07-01T04:00:00Z')},1",
    )

    fetched = source.fetch("AAPL", D1, window("2023-12-01T00:00:00Z", "2024-12-01T00:00:00Z"))

    assert fetched.vouched == [
        window("2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"),
        window("2024-07-01T00:00:00Z", "2024-07-02T00:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("window_start", "asked"),
    [
        ("2024-01-02T05:00:00Z", M1),  # a day file read as minutes
        ("2024-01-02T14:30:00Z", D1),  # a minute file read as days
        ("2024-01-02T14:30:00Z", Timeframe.M5),  # the vendor has no 5m files
    ],
)
def test_a_vendor_file_refuses_a_timeframe_it_does_not_hold(
    tmp_path: Path, window_start: str, asked: Timeframe
) -> None:
    source = vendor_file(tmp_path, f"AAPL,100,10,10,11,9,{ns(window_start)},1")

    with pytest.raises(InvalidInput, match=f"not {asked} bars"):
        source.fetch("AAPL", asked, EVERYTHING)


def test_gzip_is_told_by_its_magic_bytes_not_by_the_name(tmp_path: Path) -> None:
    row = f"AAPL,100,10,10,11,9,{ns('2024-01-02T14:30:00Z')},1"
    disguised = write(tmp_path / "plain-looking.csv", VENDOR_HEADER, row, gzipped=True)
    misnamed = write(tmp_path / "not-really.csv.gz", VENDOR_HEADER, row)

    for path in (disguised, misnamed):
        assert len(FileSource(path).fetch("AAPL", M1, EVERYTHING).bars) == 1


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "complaint"),
    [
        ("AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,", "expected 10 fields, found 9"),
        ("AAPL,1m,2024-11-25T14:31:00Z,10,eleven,9,10,100,,", "high: 'eleven' is not a number"),
        ("AAPL,1m,2024-11-25T14:31,10,11,9,10,100,,", "start: '2024-11-25T14:31' has no time zone"),
        ("AAPL,1m,25/11/2024 14:31,10,11,9,10,100,,", "start: '25/11/2024 14:31' is not an ISO"),
        ("AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,,1.5", "trades: '1.5' is not a whole number"),
        ("AAPL,2m,2024-11-25T14:31:00Z,10,11,9,10,100,,", "timeframe: unknown timeframe '2m'"),
        ("$AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,,", "symbol: invalid symbol '$AAPL'"),
    ],
)
def test_a_malformed_chronox_row_is_reported_with_its_line_number(
    tmp_path: Path, bad_row: str, complaint: str
) -> None:
    path = write(
        tmp_path / "bars.csv",
        CHRONOX_HEADER,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "",
        bad_row,  # line 4: the header, a good row and a blank line come before it
    )

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value).startswith(f"{path}:4: {complaint}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("bad_row", "complaint"),
    [
        ("AAPL,100,10,10,11,9,2024-01-02,1", "window_start: '2024-01-02' is not a time in epoch"),
        ("AAPL,100,10,10,11,n/a,1704205800000000000,1", "low: 'n/a' is not a number"),
        ("AAPL,100,10,10,11,9,1704205800000000000", "expected 8 fields, found 7"),
    ],
)
def test_a_malformed_vendor_row_is_reported_with_its_line_number(
    tmp_path: Path, bad_row: str, complaint: str
) -> None:
    path = write(tmp_path / "aggs.csv", VENDOR_HEADER, bad_row, gzipped=True)

    with pytest.raises(MalformedData, match=re.escape(f"{path}:2: {complaint}")):
        FileSource(path).fetch("AAPL", M1, EVERYTHING)


@pytest.mark.parametrize(
    "first_line", ["date,open,high,low,close,volume", CHRONOX_HEADER.replace("vwap,", "")]
)
def test_an_unknown_header_names_the_headers_it_expected(tmp_path: Path, first_line: str) -> None:
    path = write(tmp_path / "other.csv", first_line, "2024-11-25,10,11,9,10,100")

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value).startswith(f"{path}:1: header {first_line!r}")
    assert CHRONOX_HEADER in str(raised.value)
    assert VENDOR_HEADER in str(raised.value)


def test_an_empty_file_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv")

    with pytest.raises(MalformedData, match="no header"):
        FileSource(path).fetch("AAPL", M1, EVERYTHING)


def test_a_missing_file_is_an_input_error_on_first_fetch(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    source = FileSource(path)  # constructing touches nothing

    with pytest.raises(InvalidInput) as raised:
        source.fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value) == f"cannot read {path}: No such file or directory"
    assert not isinstance(raised.value, MalformedData)


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"^cannot read "):
        FileSource(tmp_path).fetch("AAPL", M1, EVERYTHING)


def test_a_truncated_gzip_file_is_malformed(tmp_path: Path) -> None:
    rows = [f"AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,{n},," for n in range(1000)]
    path = write(tmp_path / "bars.csv.gz", CHRONOX_HEADER, *rows, gzipped=True)
    path.write_bytes(path.read_bytes()[:-40])

    with pytest.raises(MalformedData, match="corrupt gzip data"):
        FileSource(path).fetch("AAPL", M1, EVERYTHING)


def test_bytes_that_are_not_utf8_are_malformed(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{CHRONOX_HEADER}\n".encode() + b"\xe9\xe9\xe9,1m\n")

    with pytest.raises(MalformedData, match="not UTF-8"):
        FileSource(path).fetch("AAPL", M1, EVERYTHING)


# --- rows that must agree: the grid and one row per slot -------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "complaint"),
    [
        ("AAPL,1m,2024-11-25T14:30:30Z,10,11,9,10,100,,", "14:30:30+00:00 is not on the 1m grid"),
        ("AAPL,5m,2024-11-25T14:31:00Z,10,11,9,10,100,,", "14:31:00+00:00 is not on the 5m grid"),
        ("AAPL,1h,2024-11-25T14:30:00Z,10,11,9,10,100,,", "14:30:00+00:00 is not on the 1h grid"),
        ("AAPL,1d,2024-11-25T14:30:00Z,10,11,9,10,100,,", "14:30:00+00:00 is not on the 1d grid"),
    ],
)
def test_a_row_off_the_grid_refuses_the_file_naming_its_line(
    tmp_path: Path, bad_row: str, complaint: str
) -> None:
    path = write(
        tmp_path / "bars.csv",
        CHRONOX_HEADER,
        "AAPL,1m,2024-11-25T14:29:00Z,10,11,9,10,100,,",
        bad_row,  # line 3
        "AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,,",
    )

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value) == f"{path}:3: AAPL start 2024-11-25T{complaint}"


def test_a_vendor_row_off_the_minute_grid_refuses_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "aggs.csv",
        VENDOR_HEADER,
        f"AAPL,100,10,10,11,9,{ns('2024-11-25T14:30:00Z')},1",
        f"AAPL,100,10,10,11,9,{ns('2024-11-25T14:31:00Z') + 30 * 10**9},1",
    )

    with pytest.raises(MalformedData, match=re.escape(f"{path}:3: AAPL start 2024-11-25T14:31:30")):
        FileSource(path).fetch("AAPL", M1, EVERYTHING)


def test_identical_rows_for_one_slot_are_one_bar(tmp_path: Path) -> None:
    row = "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,10.2,7"
    source = chronox_file(tmp_path, row, "AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,,", row, row)

    fetched = source.fetch("AAPL", M1, EVERYTHING)

    assert starts(fetched.bars) == [at("2024-11-25T14:30:00Z"), at("2024-11-25T14:31:00Z")]
    assert fetched.vouched == [window("2024-11-25T14:30:00Z", "2024-11-25T14:32:00Z")]


def test_identical_rows_written_differently_are_one_bar(tmp_path: Path) -> None:
    source = chronox_file(
        tmp_path,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T09:30:00-05:00,10.0,11.00,9,1e1,100.0,,",
    )

    assert len(source.fetch("AAPL", M1, EVERYTHING).bars) == 1


@pytest.mark.parametrize("gzipped", [False, True])
def test_conflicting_rows_for_one_slot_refuse_the_file_naming_their_lines(
    tmp_path: Path, gzipped: bool
) -> None:
    path = write(
        tmp_path / "bars.csv",
        CHRONOX_HEADER,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",  # line 2
        "MSFT,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10.5,100,,",  # line 5: another close
        gzipped=gzipped,
    )

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("MSFT", M1, EVERYTHING)  # any fetch: the file is refused

    assert str(raised.value) == (
        f"{path}:2: AAPL 1m 2024-11-25T14:30:00+00:00 has conflicting rows (lines 2, 5); "
        "keep one of them"
    )


def test_conflicting_vendor_day_rows_name_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "days.csv",
        VENDOR_HEADER,
        f"AAPL,100,10,10,11,9,{ns('2024-01-02T05:00:00Z')},1",
        f"AAPL,100,10,10,11,9,{ns('2024-01-03T05:00:00Z')},1",
        f"AAPL,999,10,10,11,9,{ns('2024-01-02T05:00:00Z')},1",
    )

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("AAPL", D1, EVERYTHING)

    assert "2: AAPL 1d 2024-01-02T00:00:00+00:00 has conflicting rows (lines 2, 4)" in str(
        raised.value
    )


# --- bounded reading -------------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_line_longer_than_64_kib_is_malformed_naming_its_line(
    tmp_path: Path, gzipped: bool
) -> None:
    path = write(
        tmp_path / "long.csv",
        CHRONOX_HEADER,
        "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,",
        "AAPL,1m,2024-11-25T14:31:00Z,10,11,9,10,100,," + "x" * 70_000,
        gzipped=gzipped,
    )

    with pytest.raises(MalformedData) as raised:
        FileSource(path).fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value) == f"{path}:3: line longer than 64 KiB; not a bar file?"


def test_a_line_of_exactly_64_kib_is_read(tmp_path: Path) -> None:
    row = "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,"
    padded = row.replace(",100,", ",100" + " " * (64 * 1024 - len(row) - 1) + ",")
    path = write(tmp_path / "wide.csv", CHRONOX_HEADER, padded)
    assert len(padded) + 1 == 64 * 1024  # with its line end

    assert len(FileSource(path).fetch("AAPL", M1, EVERYTHING).bars) == 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_line_is_refused_at_once_not_read_to_the_end() -> None:
    started = time.monotonic()

    with pytest.raises(MalformedData) as raised:
        FileSource("/dev/zero").fetch("AAPL", M1, EVERYTHING)

    assert str(raised.value) == "/dev/zero:1: line longer than 64 KiB; not a bar file?"
    assert time.monotonic() - started < 5


# --- the source as a whole -----------------------------------------------------------------


def test_the_file_is_read_once_on_the_first_fetch(tmp_path: Path) -> None:
    source = chronox_file(tmp_path, "AAPL,1m,2024-11-25T14:30:00Z,10,11,9,10,100,,")
    first = source.fetch("AAPL", M1, EVERYTHING)

    source.path.unlink()

    assert source.fetch("AAPL", M1, EVERYTHING) == first


def test_it_is_a_real_source_without_a_request_limit(tmp_path: Path) -> None:
    source = FileSource(str(tmp_path / "bars.csv"))

    assert (source.name, source.demo) == ("files", False)
    assert source.request_limit(M1).count >= 1_000_000
