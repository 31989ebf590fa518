"""Bar columns to pandas, Arrow and polars and back: the same bars, the documented dtypes,
unknown values as nulls, the buffers shared rather than copied where a format allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from chronox_adapters.frames import BAR_SCHEMA, bars_of, to_arrow, to_pandas, to_polars
from chronox_domain import Bar, Interval, InvalidInput, Timeframe
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns

T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)


def bars(count: int = 6) -> list[Bar]:
    return [
        Bar(
            "SPY",
            Timeframe.M1,
            T0 + timedelta(minutes=i),
            100.0 + i,
            101.0 + i,
            99.0 + i,
            100.5 + i,
            10.0 * i,
            None if i % 2 else 100.25 + i,
            None if i % 3 == 0 else i,
        )
        for i in range(count)
    ]


def test_columns_hold_the_bars_and_mark_what_is_unknown() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    assert columns.to_bars() == bars()
    assert np.isnan(columns.vwap[1]) and columns.trades[0] == UNKNOWN_TRADES
    assert columns.start_ns[1] - columns.start_ns[0] == 60 * 10**9
    assert len(BarColumns.empty("SPY", Timeframe.M1)) == 0


def test_columns_of_unequal_lengths_are_refused() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    with pytest.raises(ValueError, match="unequal lengths"):
        BarColumns("SPY", Timeframe.M1, columns.start_ns[:2], *(columns.open,) * 6, columns.trades)


def test_inside_keeps_the_bars_of_the_windows() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    minute = timedelta(minutes=1)
    windows = [Interval(T0 + minute, T0 + 3 * minute), Interval(T0 + 4 * minute, T0 + 9 * minute)]
    assert columns.inside(windows).to_bars() == [bars()[i] for i in (1, 2, 4, 5)]
    assert columns.inside([Interval(T0, T0 + 10 * minute)]) is columns  # nothing to cut
    assert len(columns.inside([])) == 0


def test_pandas_frame_dtypes_nulls_and_shared_buffers() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    frame = to_pandas(columns, symbol="SPY")
    assert str(frame.index.dtype) == "datetime64[ns, UTC]" and frame.index.name == "start"
    assert dict(frame.dtypes.astype(str)) == {
        "open": "float64", "high": "float64", "low": "float64", "close": "float64",
        "volume": "float64", "vwap": "float64", "trades": "Int64",
    }  # fmt: skip
    assert frame["vwap"].isna().tolist() == [i % 2 == 1 for i in range(6)]
    assert frame["trades"].isna().tolist() == [i % 3 == 0 for i in range(6)]
    assert frame.attrs == {"symbol": "SPY"}
    assert np.shares_memory(frame["close"].to_numpy(), np.frombuffer(columns.close))


def test_arrow_and_polars_have_the_export_schema() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    table = to_arrow(columns)
    assert table.schema == BAR_SCHEMA
    assert table.column("vwap").null_count == 3 and table.column("trades").null_count == 2
    frame = to_polars(columns)
    assert frame.schema["start"] == pl.Datetime("ns", "UTC") and frame["trades"].null_count() == 2
    assert to_arrow(BarColumns.empty("SPY", Timeframe.M1)).num_rows == 0


def test_a_frame_goes_back_to_bars_in_start_order() -> None:
    frame = to_pandas(BarColumns.from_bars("SPY", Timeframe.M1, bars()))
    shuffled = frame.iloc[[3, 0, 5, 1, 4, 2]]
    assert bars_of(shuffled, "SPY", "1m") == bars()
    naive = shuffled.reset_index().assign(start=lambda f: f["start"].dt.tz_convert(None))
    assert bars_of(naive, "SPY", Timeframe.M1) == bars()  # a start column, naive as UTC
    without = frame.drop(columns=["vwap", "trades"])
    assert [bar.vwap for bar in bars_of(without, "SPY", "1m")] == [None] * 6


def test_a_frame_without_prices_is_refused() -> None:
    frame = to_pandas(BarColumns.from_bars("SPY", Timeframe.M1, bars()))
    with pytest.raises(InvalidInput, match="no close column"):
        bars_of(frame.drop(columns=["close"]), "SPY", "1m")


def test_an_arrow_round_trip_through_pandas_keeps_every_value() -> None:
    columns = BarColumns.from_bars("SPY", Timeframe.M1, bars())
    back = to_arrow(columns).to_pandas().set_index("start")
    frame = to_pandas(columns)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert pa.Table.from_pandas(frame.reset_index(), preserve_index=False).num_rows == 6
