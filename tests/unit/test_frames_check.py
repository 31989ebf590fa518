"""``check_frame`` against a frame from anywhere: missing windows merged, rows outside
the sessions, repeated slots and broken bars, checked against a naive pandas reindex on
the expected slots (what a researcher would write) and by hand on small cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
    with pytest.raises(InvalidInput, match="not NoneType"):
        check_frame(None, calendar=calendar)


def test_an_empty_frame_lacks_nothing_it_could_know_of(calendar: ExchangeCalendar) -> None:
    report = check_frame(frame_of(calendar).iloc[:0], calendar=calendar)
    assert report.ok and report.missing.empty
