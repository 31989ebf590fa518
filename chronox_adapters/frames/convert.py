"""Bar columns to DataFrames and Arrow tables and back, in bulk.

Every conversion wraps the domain's ``array.array`` buffers (numpy views, Arrow buffers)
instead of looping over bars; the only copies are the ones a format needs (a validity
bitmap where a value is unknown). One schema everywhere: a tz-aware UTC ``start``
(nanoseconds), float64 prices, volume and VWAP, int64 trades; unknown VWAPs and trades
are nulls (NaN in a pandas float column, ``<NA>`` in its nullable ``Int64``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from chronox_domain.arguments import refused, symbol_argument, timeframe_argument
from chronox_domain.bar import Bar
from chronox_domain.columns import UNKNOWN_TRADES, BarColumns
from chronox_domain.errors import InvalidInput, typed_first_line
from chronox_domain.timeframe import Timeframe

if TYPE_CHECKING:
    import polars as pl

#: The Arrow schema of bars, in files and in memory.
BAR_SCHEMA = pa.schema(
    [
        pa.field("start", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("open", pa.float64(), nullable=False),
        pa.field("high", pa.float64(), nullable=False),
        pa.field("low", pa.float64(), nullable=False),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("volume", pa.float64(), nullable=False),
        pa.field("vwap", pa.float64()),
        pa.field("trades", pa.int64()),
    ]
)
VALUES = ("open", "high", "low", "close", "volume")


def to_pandas(columns: BarColumns, **attrs: Any) -> pd.DataFrame:
    """A frame indexed by ``start`` (UTC), the arrays shared where the dtype allows it;
    ``attrs`` go to ``DataFrame.attrs``."""
    _columns_argument(columns)
    index = pd.DatetimeIndex(_starts(columns), name="start").tz_localize("UTC")
    data: dict[str, Any] = {name: _floats(getattr(columns, name)) for name in VALUES}
    data["vwap"] = _floats(columns.vwap)
    trades = _ints(columns.trades)
    data["trades"] = pd.arrays.IntegerArray(trades, trades == UNKNOWN_TRADES)
    frame = pd.DataFrame(data, index=index, copy=False)
    frame.attrs.update(attrs)
    return frame


def to_arrow(columns: BarColumns) -> pa.Table:
    """A table of :data:`BAR_SCHEMA`; unknown VWAPs and trades are nulls."""
    _columns_argument(columns)
    vwap = _floats(columns.vwap)
    trades = _ints(columns.trades)
    arrays = [
        pa.array(_starts(columns), type=BAR_SCHEMA.field("start").type),
        *(pa.array(_floats(getattr(columns, name))) for name in VALUES),
        pa.array(vwap, mask=np.isnan(vwap)),
        pa.array(trades, mask=trades == UNKNOWN_TRADES),
    ]
    return pa.Table.from_arrays(arrays, schema=BAR_SCHEMA)


def to_polars(columns: BarColumns) -> pl.DataFrame:
    """A polars frame of the same schema (needs polars, which the research extra brings)."""
    _columns_argument(columns)
    try:
        import polars as pl
    except ImportError:
        raise InvalidInput(
            "polars is not installed: pip install 'chronox[research]' (or polars)"
        ) from None
    frame = pl.from_arrow(to_arrow(columns))
    assert isinstance(frame, pl.DataFrame)
    return frame


def bars_of(frame: Any, symbol: str, timeframe: str | Timeframe) -> list[Bar]:
    """The rows of ``frame`` (read as :func:`pandas_of`, :func:`starts_of` and
    :func:`values_of` read it) as bars for ingestion, sorted by start. Columns are
    converted whole; the bars themselves are what ingestion takes."""
    ticker = symbol_argument(symbol)
    tf = timeframe_argument(timeframe)
    frame = values_of(pandas_of(frame))
    starts = starts_of(frame)
    order = np.argsort(starts.asi8, kind="stable")
    moments = starts[order].to_pydatetime()
    values = [floats_of(frame, name)[order].tolist() for name in VALUES]
    vwap = _optional(frame, "vwap", order, float)
    trades = _optional(frame, "trades", order, int)
    return [
        Bar(ticker, tf, start, o, h, lo, c, v, vw, n)
        for start, o, h, lo, c, v, vw, n in zip(moments, *values, vwap, trades, strict=True)
    ]


def pandas_of(frame: Any) -> pd.DataFrame:
    """A frame from anywhere as pandas: a pandas DataFrame as it is, a polars DataFrame or
    an Arrow table through its own ``to_pandas``."""
    expected = "a pandas or polars DataFrame or an Arrow table of bars"
    if isinstance(frame, pd.DataFrame):
        converted = frame
    else:
        convert = None if isinstance(frame, type) else getattr(frame, "to_pandas", None)
        if not callable(convert):
            raise refused("frame", expected, frame)
        try:
            converted = convert()
        except Exception as exc:  # the library's own conversion of a table it cannot map
            raise InvalidInput(
                f"frame: a {type(frame).__name__} that pandas cannot hold ({typed_first_line(exc)})"
            ) from None
        if not isinstance(converted, pd.DataFrame):
            raise refused("frame", expected, frame)
    if isinstance(converted.columns, pd.MultiIndex):
        raise InvalidInput("frame: its columns are a MultiIndex; expected one level of names")
    return converted


def starts_of(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The bars' starts of a frame from anywhere, as UTC nanoseconds: its ``start``
    column, or else its index; times (or strings of them) with a zone, or naive and read
    as UTC. Numbers are refused: epoch seconds and nanoseconds look alike; so are missing
    times (NaT) and a MultiIndex."""
    raw = frame["start"] if "start" in frame.columns else frame.index
    if isinstance(raw, pd.MultiIndex):
        raise InvalidInput("frame: its index is a MultiIndex; expected the bars' starts")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        raise InvalidInput(
            "frame: the starts are numbers, not times: index it by the bars' starts "
            "(a DatetimeIndex) or give it a 'start' column of times"
        )
    try:
        starts = pd.DatetimeIndex(raw)
        starts = starts.tz_localize("UTC") if starts.tz is None else starts.tz_convert("UTC")
        starts = starts.as_unit("ns")
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(f"frame: the starts are not times: {typed_first_line(exc)}") from None
    if starts.hasnans:
        raise InvalidInput(f"frame: {int(starts.isna().sum())} of its starts are missing (NaT)")
    return starts


def values_of(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the bar columns under chronox's names: ``Open``, ``CLOSE``... (as
    yfinance and many CSVs spell them) are read as ``open``, ``close``... Refuses a
    frame that lacks one of open, high, low, close, volume, or holds one twice."""
    wanted = (*VALUES, "vwap", "trades", "start")
    renamed = {
        column: column.lower()
        for column in frame.columns
        if isinstance(column, str)
        and column.lower() in wanted
        and column != column.lower()
        and column.lower() not in frame.columns
    }
    named = frame.rename(columns=renamed) if renamed else frame
    absent = [name for name in VALUES if name not in named.columns]
    if absent:
        raise InvalidInput(f"frame: it has no {', '.join(absent)} column")
    twice = [name for name in wanted if list(named.columns).count(name) > 1]
    if twice:
        raise InvalidInput(f"frame: it has more than one {', '.join(twice)} column")
    return named


def floats_of(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64 (the column's own array when it is float64 already; NaN
    where a nullable column has NA). Refuses what is no number: text, times, booleans."""
    column = frame[name]
    dtype = column.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype) or not numeric:
        raise InvalidInput(f"frame: column {name!r} holds {dtype}, not numbers")
    try:
        if isinstance(dtype, np.dtype):
            floats: np.ndarray = column.to_numpy(dtype=np.float64)
        else:  # a nullable column: NA is NaN (na_value copies, so only here)
            floats = column.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(
            f"frame: column {name!r} holds values that are not numbers ({dtype})"
        ) from None
    return floats


def _optional(frame: pd.DataFrame, name: str, order: np.ndarray, kind: type) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(order)
    column = floats_of(frame, name)[order]
    known = ~np.isnan(column)
    if kind is int and not (np.isfinite(column[known]) & (column[known] % 1 == 0)).all():
        raise InvalidInput(f"frame: column {name!r} holds values that are not whole numbers")
    return [kind(value) if ok else None for value, ok in zip(column.tolist(), known, strict=True)]


def _columns_argument(columns: Any) -> None:
    if not isinstance(columns, BarColumns):
        raise refused("columns", "the BarColumns of a series", columns)


def _starts(columns: BarColumns) -> np.ndarray:
    return np.frombuffer(columns.start_ns, dtype="datetime64[ns]")


def _floats(column: Any) -> np.ndarray:
    return np.frombuffer(column, dtype=np.float64)


def _ints(column: Any) -> np.ndarray:
    return np.frombuffer(column, dtype=np.int64)
