"""``check_frame`` against a frame from anywhere: missing windows merged, rows outside
the sessions, repeated slots and broken bars, checked against a naive pandas reindex on
the expected slots (what a researcher would write) and by hand on small cases."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.frames import check_frame
from chronox_adapters.synthetic import SyntheticSource
from chronox_domain import Interval, InvalidInput, SessionKind, Timeframe, expected_windows

THANKSGIVING_WEEK = Interval(datetime(2024, 11, 25, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC))


def frame_of(calendar: ExchangeCalendar, timeframe: Timeframe = Timeframe.M1) -> pd.DataFrame:
    bars = SyntheticSource(calendar).fetch("SPY", timeframe, THANKSGIVING_WEEK).bars
    rows = [bar._asdict() for bar in bars]
    frame = pd.DataFrame(rows).set_index("start")
    sessions = calendar.sessions(date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH)
    inside = frame.index.map(lambda t: any(s.open <= t < s.close for s in sessions))
    return frame[inside.to_numpy(dtype=bool)]


def naive_missing(frame: pd.DataFrame, calendar: ExchangeCalendar) -> set[pd.Timestamp]:
    """The peer: reindex the frame on every expected slot, keep the empty rows."""
    sessions = calendar.sessions(date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH)
    slots = [
        w.start + timedelta(minutes=i)
        for w in expected_windows(sessions, Timeframe.M1)
        for i in range(int((w.end - w.start) / timedelta(minutes=1)))
    ]
    full = frame.reindex(pd.DatetimeIndex(slots))
    return set(full.index[full["close"].isna()])


def slots_in(windows: pd.DataFrame) -> set[pd.Timestamp]:
    return {
        start + pd.Timedelta(minutes=i)
        for start, bars in zip(windows["start"], windows["bars"], strict=True)
        for i in range(bars)
    }


def test_a_complete_week_is_ok(calendar: ExchangeCalendar) -> None:
    frame = frame_of(calendar)
    report = check_frame(frame, "1m", "rth", calendar)
    assert slots_in(report.missing) == naive_missing(frame, calendar)  # the synthetic holes
    assert report.outside.empty and report.duplicates.empty and report.invalid.empty


def test_a_dropped_day_and_a_dropped_hour_are_missing_windows(calendar: ExchangeCalendar) -> None:
    frame = frame_of(calendar)
    day = frame.index.normalize() == pd.Timestamp("2024-11-26", tz="UTC")
    hour = (frame.index >= pd.Timestamp("2024-11-27 15:00", tz="UTC")) & (
        frame.index < pd.Timestamp("2024-11-27 16:00", tz="UTC")
    )
    broken = frame[~(day | hour)]
    report = check_frame(broken, calendar=calendar)
    assert slots_in(report.missing) == naive_missing(broken, calendar)
    assert len(report.missing) < len(slots_in(report.missing))  # merged into windows
    whole_day = report.missing[
        report.missing["start"] == pd.Timestamp("2024-11-26 14:30", tz="UTC")
    ]
    assert list(whole_day["bars"]) == [390]


def test_rows_outside_sessions_duplicates_and_broken_bars_are_named(
    calendar: ExchangeCalendar,
) -> None:
    frame = frame_of(calendar)
    extra = frame.iloc[[0]].copy()
    extra.index = pd.DatetimeIndex([pd.Timestamp("2024-11-28 15:00", tz="UTC")])  # Thanksgiving
    copy = frame.iloc[[5]]
    broken = frame.iloc[[10]].assign(low=frame.iloc[10]["high"] + 1)
    off_grid = frame.iloc[[20]].copy()
    off_grid.index = off_grid.index + pd.Timedelta(seconds=30)
    checked = pd.concat([frame.drop(frame.index[[10, 20]]), extra, copy, broken, off_grid])
    report = check_frame(checked.tz_convert(None), calendar=calendar)  # naive: read as UTC
    assert list(report.outside.index) == [pd.Timestamp("2024-11-28 15:00")]
    assert len(report.duplicates) == 2
    reasons = dict(zip(report.invalid.index, report.invalid["reason"], strict=True))
    assert "does not hold" in reasons[broken.index[0].tz_convert(None)]
    assert "not on the 1m grid" in reasons[off_grid.index[0].tz_convert(None)]
    assert not report.ok


def test_hourly_and_daily_frames(calendar: ExchangeCalendar) -> None:
    """The synthetic source serves extended hours, as the vendor does."""
    for timeframe, session in ((Timeframe.H1, "eth"), (Timeframe.D1, "rth")):
        bars = SyntheticSource(calendar).fetch("SPY", timeframe, THANKSGIVING_WEEK).bars
        frame = pd.DataFrame([b._asdict() for b in bars]).set_index("start")
        report = check_frame(frame, timeframe.value, session, calendar)
        assert report.outside.empty and report.invalid.empty, timeframe
        assert report.duplicates.empty and report.missing.empty, timeframe


def test_bad_input_is_one_clear_domain_error(calendar: ExchangeCalendar) -> None:
    frame = frame_of(calendar)
    with pytest.raises(InvalidInput, match="no volume column"):
        check_frame(frame.drop(columns=["volume"]), calendar=calendar)
    with pytest.raises(InvalidInput, match="unknown timeframe"):
        check_frame(frame, "1M", calendar=calendar)
    with pytest.raises(InvalidInput, match="unknown session"):
        check_frame(frame, session="overnight", calendar=calendar)
    with pytest.raises(InvalidInput, match="starts are numbers, not times"):
        check_frame(frame.reset_index(drop=True), calendar=calendar)  # a RangeIndex
    with pytest.raises(InvalidInput, match="starts are not times"):
        check_frame(frame.set_axis(["noon"] * len(frame)), calendar=calendar)


def test_a_frame_as_yfinance_hands_it_over(calendar: ExchangeCalendar) -> None:
    """Capitalised columns, indexed in the exchange's time zone, the session named in
    capitals: the same report, holding the frame's own rows."""
    frame = frame_of(calendar)
    broken = frame.drop(frame.index[100:130]).assign(low=lambda f: f["low"].mask(
        f.index == f.index[7], f["high"] + 1))  # fmt: skip
    theirs = broken.tz_convert("America/New_York").rename(columns=str.capitalize)
    theirs.index.name = "Datetime"
    ours, report = (
        check_frame(broken, calendar=calendar),
        check_frame(theirs, session="RTH", calendar=calendar),
    )
    pd.testing.assert_frame_equal(report.missing, ours.missing)
    assert list(report.invalid.columns) == [*theirs.columns, "reason"]
    assert list(report.invalid.index) == [theirs.index[7]]


def test_polars_and_arrow_frames_are_checked_as_pandas(calendar: ExchangeCalendar) -> None:
    frame = frame_of(calendar)
    broken = frame.drop(frame.index[50:70])
    ours = check_frame(broken, calendar=calendar)
    values = broken[["open", "high", "low", "close", "volume"]].reset_index()
    table = pa.Table.from_pandas(values, preserve_index=False)
    for other in (table, pl.from_arrow(table)):
        report = check_frame(other, calendar=calendar)
        pd.testing.assert_frame_equal(report.missing, ours.missing)
    with pytest.raises(InvalidInput, match=r"^frame: expected .* got NoneType None$"):
        check_frame(None, calendar=calendar)


def test_an_empty_frame_lacks_nothing_it_could_know_of(calendar: ExchangeCalendar) -> None:
    report = check_frame(frame_of(calendar).iloc[:0], calendar=calendar)
    assert report.ok and report.missing.empty


def clean_minutes(calendar: ExchangeCalendar, rows: int) -> pd.DataFrame:
    """Whole regular sessions of 1m bars from 2010 on, at least ``rows`` of them, built
    as arrays (a million ``Bar`` objects would take longer than the check)."""
    sessions = calendar.sessions(date(2010, 1, 4), date(2035, 12, 31), SessionKind.RTH)
    pieces, count = [], 0
    for window in expected_windows(sessions, Timeframe.M1):
        start, end = (int(moment.timestamp()) * 10**9 for moment in (window.start, window.end))
        pieces.append(np.arange(start, end, 60 * 10**9))
        count += len(pieces[-1])
        if count >= rows:
            break
    index = pd.DatetimeIndex(np.concatenate(pieces).view("datetime64[ns]"), name="start")
    price = 100 + np.sin(np.arange(count) / 500)
    columns = {"open": price, "high": price + 1, "low": price - 1, "close": price}
    return pd.DataFrame({**columns, "volume": np.full(count, 10.0)}, index=index.tz_localize("UTC"))


def test_a_clean_million_rows_are_checked_in_little_memory_beyond_the_frame(
    calendar: ExchangeCalendar,
) -> None:
    """A reason string per row took 300 MB beyond a 1M-row frame (1.2 GB at 4M); the
    check keeps to a few numeric arrays of the frame's length. tracemalloc sees numpy's
    and pandas' buffers."""
    frame = clean_minutes(calendar, 1_000_000)
    check_frame(frame.iloc[:10], calendar=calendar)  # imports and caches outside the count
    tracemalloc.start()
    try:
        report = check_frame(frame, calendar=calendar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok and len(frame) >= 1_000_000
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MB beyond a frame of {len(frame):,} rows"


def test_every_broken_row_is_named_with_the_first_rule_it_breaks(
    calendar: ExchangeCalendar,
) -> None:
    frame = frame_of(calendar).iloc[:6].copy()
    frame.iloc[1, frame.columns.get_loc("volume")] = -1.0
    frame.iloc[2, frame.columns.get_loc("low")] = frame.iloc[2]["high"] + 1
    frame.iloc[3, frame.columns.get_loc("open")] = float("nan")  # a price, and inverted
    shifted = frame.index.to_series()
    shifted.iloc[4] += pd.Timedelta(seconds=1)  # off the grid first, whatever else
    frame.index = pd.DatetimeIndex(shifted)
    frame.iloc[4, frame.columns.get_loc("volume")] = -1.0
    report = check_frame(frame, calendar=calendar)
    assert [reason.split()[0:2] for reason in report.invalid["reason"]] == [
        ["volume", "is"], ["low", "<="], ["a", "price"], ["start", "is"],
    ]  # fmt: skip
    assert list(report.invalid.index) == list(frame.index[1:5])
