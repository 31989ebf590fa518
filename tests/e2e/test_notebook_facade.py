"""The notebook facade on SQLite and PostgreSQL: the same store, services and models as the
CLI, answering in DataFrames. Each test gets an empty store (the ``cli`` fixture's)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from chronox_domain import Bar, BarBatch, InvalidInput, InvalidRange, InvalidSymbol, Timeframe
from chronox_domain.session import SessionKind
from chronox_entrypoints.notebook import Chronox, connect
from tests.e2e.conftest import Cli

WEEK = ("2024-11-25", "2024-11-29")  # Thanksgiving week: a holiday and an early close
COLUMNS = ["open", "high", "low", "close", "volume", "vwap", "trades"]


@pytest.fixture
def cx(cli: Cli) -> Iterator[Chronox]:
    with connect(cli.store, source="synthetic", redis_url="") as facade:
        facade.ingest("SPY", *WEEK, session="eth")
        yield facade


def frame_of(bars: list[Bar]) -> pd.DataFrame:
    """The peer: bars as objects, one row each, through pandas' own constructor."""
    rows = [bar._asdict() for bar in bars]
    frame = pd.DataFrame(rows, columns=["start", *COLUMNS]).set_index("start")
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame["trades"] = frame["trades"].astype("Int64")
    return frame.astype({"vwap": "float64"})


def test_bars_are_the_stores_bars(cx: Chronox) -> None:
    frame = cx.bars("SPY", *WEEK)
    stored = list(
        cx.container.bars().bars("SPY", Timeframe.M1, date(2024, 11, 25), date(2024, 11, 29))
    )

    assert len(frame) == len(stored) > 3000
    pd.testing.assert_frame_equal(frame, frame_of(stored), check_freq=False)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]" and frame.index.name == "start"
    assert list(frame.dtypes.astype(str)) == ["float64"] * 6 + ["Int64"]
    assert frame.attrs == {
        "symbol": "SPY", "timeframe": "1m", "source": "synthetic", "derived_from": None,
        "demo": True, "adjust": "splits",
    }  # fmt: skip


def test_unknown_vwap_and_trades_are_nulls(cx: Chronox) -> None:
    moment = datetime(2024, 12, 2, 15, 0, tzinfo=UTC)
    odd = Bar("SPY", Timeframe.M1, moment, 10.0, 11.0, 9.0, 10.5, 0.0, None, None)
    cx.container.repository().write(BarBatch("SPY", Timeframe.M1, [odd], "synthetic", None))
    frame = cx.bars("SPY", "2024-12-02", "2024-12-02")
    at = pd.Timestamp(moment)
    assert math.isnan(frame.at[at, "vwap"]) and frame.at[at, "trades"] is pd.NA
    assert frame["vwap"].isna().sum() == frame["trades"].isna().sum() == 1
    table = cx.bars("SPY", "2024-12-02", "2024-12-02", as_="arrow")
    assert table.column("vwap").null_count == table.column("trades").null_count == 1


@pytest.mark.parametrize("timeframe", ["5m", "1h", "1d"])
def test_timeframes_never_fetched_are_rolled_up(cx: Chronox, timeframe: str) -> None:
    frame = cx.bars("SPY", *WEEK, timeframe=timeframe)
    tf = Timeframe(timeframe)
    rolled = list(cx.container.bars().bars("SPY", tf, date(2024, 11, 25), date(2024, 11, 29)))
    assert frame.attrs["derived_from"] == "1m" and frame.attrs["timeframe"] == timeframe
    assert len(frame) == len(rolled) > 0
    assert list(frame.index) == [bar.start for bar in rolled]
    assert frame["volume"].tolist() == [bar.volume for bar in rolled]
    if timeframe == "1d":  # four sessions: Thanksgiving has none
        assert [stamp.day for stamp in frame.index] == [25, 26, 27, 29]


def test_regular_hours_keep_only_the_sessions_bars(cx: Chronox) -> None:
    every = cx.bars("SPY", *WEEK)
    regular = cx.bars("SPY", *WEEK, session="rth")
    sessions = cx.container.calendar().sessions(
        date(2024, 11, 25), date(2024, 11, 29), SessionKind.RTH
    )
    inside = every.index.map(lambda t: any(s.open <= t < s.close for s in sessions))
    pd.testing.assert_frame_equal(regular, every[inside.to_numpy(dtype=bool)])
    assert 0 < len(regular) < len(every)


def test_polars_and_arrow_hold_the_same_bars(cx: Chronox) -> None:
    frame = cx.bars("SPY", *WEEK)
    table = cx.bars("SPY", *WEEK, as_="arrow")
    polars = cx.bars("SPY", *WEEK, as_="polars")
    assert isinstance(table, pa.Table) and isinstance(polars, pl.DataFrame)
    assert table.schema.field("start").type == pa.timestamp("ns", tz="UTC")
    assert table.schema.metadata[b"chronox.symbol"] == b"SPY"
    assert polars.schema["start"] == pl.Datetime("ns", "UTC")
    assert polars.height == table.num_rows == len(frame)
    back = table.to_pandas().set_index("start")
    pd.testing.assert_frame_equal(back, frame, check_freq=False, check_dtype=False)
    assert polars["close"].to_list() == frame["close"].tolist()


def test_gaps_frame_is_what_the_cli_prints(cx: Chronox, cli: Cli) -> None:
    frame = cx.gaps(["SPY", "QQQ"], "2024-11-25", "2024-12-06", holes=True)
    printed = cli(
        "gaps", "SPY", "QQQ", "--start", "2024-11-25", "--end", "2024-12-06", "--holes", "--json"
    )
    assert printed.code == 0
    expected = pd.DataFrame(printed.json())
    for name in ("start", "end"):
        expected[name] = pd.to_datetime(expected[name], utc=True).dt.as_unit("ns")
    assert list(frame.columns) == ["symbol", "timeframe", "start", "end", "bars", "kind"]
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    assert set(frame["kind"]) == {"gap", "hole"} and frame.attrs["demo"] is True


def test_a_series_never_stored_is_an_empty_frame_saying_so(cx: Chronox) -> None:
    frame = cx.bars("QQQ", *WEEK)
    assert frame.empty and list(frame.columns) == COLUMNS
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.attrs["source"] is None and frame.attrs["demo"] is False


def test_no_gaps_is_an_empty_frame_with_the_columns(cx: Chronox) -> None:
    frame = cx.gaps("SPY", "2024-11-26", "2024-11-26")
    assert frame.empty and list(frame.columns) == [
        "symbol", "timeframe", "start", "end", "bars", "kind",
    ]  # fmt: skip
    assert str(frame["start"].dtype) == "datetime64[ns, UTC]"


def test_ingest_is_the_clis_ingestion(cx: Chronox) -> None:
    again = cx.ingest("SPY", *WEEK, session="eth")
    assert again.bars_written == 0 and again.requests == 0  # nothing left to fetch
    fresh = cx.ingest("QQQ", "2024-11-25", "2024-11-26")
    stored = cx.bars("QQQ", "2024-11-25", "2024-11-26")
    assert fresh.bars_written == len(stored) > 700 and fresh.windows_fetched == 2
    assert fresh.demo and fresh.source == "synthetic"


def test_ranges_take_the_clis_forms(cx: Chronox) -> None:
    by_date = cx.bars("SPY", date(2024, 11, 26), "2024-11-26")
    by_instant = cx.bars("SPY", "2024-11-26T14:30:00Z", pd.Timestamp("2024-11-26 21:00", tz="UTC"))
    naive = cx.bars("SPY", datetime(2024, 11, 26, 14, 30), datetime(2024, 11, 26, 21, 0))
    assert by_instant.index[0] == pd.Timestamp("2024-11-26 14:30", tz="UTC")
    assert by_instant.index[-1] == pd.Timestamp("2024-11-26 20:59", tz="UTC")
    pd.testing.assert_frame_equal(by_instant, naive)
    assert by_date.index[0] < by_instant.index[0]  # a session date spans extended hours


def test_errors_are_the_domains_with_one_message(cx: Chronox) -> None:
    with pytest.raises(InvalidSymbol, match="invalid symbol 'SP Y'"):
        cx.bars("SP Y")
    with pytest.raises(InvalidRange, match="neither YYYY-MM-DD nor an ISO-8601"):
        cx.bars("SPY", "2024-13-01")
    with pytest.raises(InvalidRange, match="is before start"):
        cx.bars("SPY", "2024-11-29", "2024-11-25")
    with pytest.raises(InvalidInput, match="choose from pandas, polars, arrow"):
        cx.bars("SPY", *WEEK, as_="excel")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="unknown session"):
        cx.gaps("SPY", *WEEK, session="overnight")


def test_check_uses_the_stores_calendar(cx: Chronox) -> None:
    frame = cx.bars("SPY", *WEEK, session="rth")
    report = cx.check(frame.drop(frame.index[100:160]))
    holes = cx.gaps("SPY", *WEEK, holes=True)
    assert report.outside.empty and report.duplicates.empty and report.invalid.empty
    # Missing: the 60 dropped minutes (one window) and the source's holes.
    assert report.missing["bars"].sum() == 60 + holes.loc[holes["kind"] == "hole", "bars"].sum()


def test_it_shows_its_store_and_source_with_the_password_masked(cli: Cli) -> None:
    with connect(cli.store, source="synthetic") as cx:
        assert repr(cx) == f"Chronox(store={cli.store!r}, source='synthetic')"
    hidden = connect("postgresql://bob:s3cret@db.invalid/chronox")  # shown, never opened
    masked = "postgresql://bob:***@db.invalid/chronox"
    assert repr(hidden) == f"Chronox(store={masked!r}, source='synthetic')"


def test_a_bad_setting_is_one_clear_error(cli: Cli) -> None:
    with pytest.raises(InvalidInput, match=r"invalid connect\(store=...\): unsupported store URL"):
        connect("ftp://nowhere")
    with pytest.raises(InvalidInput, match=r"invalid connect\(settle_minutes=...\)"):
        connect(cli.store, settle_minutes=-1)


def test_without_the_research_extra_frames_are_one_clear_error(
    cx: Chronox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in an install without the research extra: importing pandas fails.
    for name in [m for m in sys.modules if m == "pandas" or m.startswith("pandas.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(InvalidInput, match=r"pandas is not installed.*chronox\[research\]"):
        cx.bars("SPY", *WEEK)
    assert cx.ingest("SPY", *WEEK).requests == 0  # what needs no DataFrame still works
