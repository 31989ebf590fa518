"""The research surface (the notebook facade, ``check_frame``, ``bars_of`` and the frame
conversions) against arbitrary Python values, one argument at a time, the others valid:
every call either answers or raises one ``InvalidInput`` naming the argument it refuses,
never an AttributeError, a TypeError, a ValueError, a KeyError or a pandas error."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.frames import bars_of, check_frame, to_arrow, to_pandas, to_polars
from chronox_domain import InvalidInput, NotFound, SessionKind, Timeframe
from chronox_entrypoints.notebook import Chronox, connect
from chronox_entrypoints.settings import Settings

DAY = "2024-11-26"


class Odd:
    """A user's object whose repr fails and which has a ``to_pandas`` that fails too."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def to_pandas(self) -> Any:
        raise RuntimeError("cannot")


def unusual() -> st.SearchStrategy[Any]:
    """Values of every kind a notebook can hand over, and some valid ones among them."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63, max_value=2**200),
        st.floats(),
        st.sampled_from([float("nan"), float("inf"), -float("inf")]),
        st.complex_numbers(allow_nan=True),
        st.decimals(),
        st.text(max_size=12),
        st.sampled_from(["", " ", "\x00", "SPY", "spy", "1m", "1M", "RTH", "eth", DAY]),
        st.sampled_from(["2024-11-26T14:30:00Z", "2024-13-01", "9999-12-31T23:59:59-23:59"]),
        st.binary(max_size=6),
        st.dates(),
        st.datetimes(),
        st.datetimes(timezones=st.timezones()),
        st.timedeltas(),
        st.sampled_from(list(Timeframe) + list(SessionKind)),
        st.sampled_from([pd.NaT, pd.Timestamp("2024-11-26 15:00", tz="UTC"), np.int64(3)]),
        st.sampled_from([np.float64("nan"), np.array([1, 2]), np.array(5), np.bool_(True)]),
        st.sampled_from([int, Timeframe, object(), Ellipsis, Path("/nonexistent/x")]),
        st.builds(Odd),
        st.sampled_from([pd.DataFrame(), pd.Series([1.0]), pd.Index(["SPY"]), {"a": 1}]),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.tuples(inner, inner)
            | st.dictionaries(st.text(max_size=3), inner, max_size=2)
            | st.frozensets(st.text(max_size=3) | st.integers(), max_size=3)
        ),
        max_leaves=4,
    )


def settles(call: Callable[[], Any], argument: str, also: tuple[type, ...] = ()) -> None:
    """``call`` answers, or raises one InvalidInput (or an answer in ``also``, such as
    NotFound for an export of nothing) naming ``argument`` on one line."""
    try:
        call()
    except InvalidInput as exc:
        message = str(exc)
        assert argument in message, f"{argument!r} not named in {message!r}"
        assert "\n" not in message, message
    except also:
        pass


@pytest.fixture(scope="module")
def cx() -> Iterator[Chronox]:
    with connect("memory://", source="synthetic", redis_url="") as facade:
        facade.ingest("SPY", DAY, DAY)
        yield facade


@pytest.fixture(scope="module")
def frame(cx: Chronox) -> pd.DataFrame:
    return cx.bars("SPY", DAY, DAY, session="rth")


@contextlib.contextmanager
def elsewhere() -> Iterator[None]:
    """In a throwaway working directory: an export to a relative path stays in it."""
    with tempfile.TemporaryDirectory() as directory, contextlib.chdir(directory):
        yield


VALID: dict[str, dict[str, Any]] = {
    "bars": {"symbol": "SPY", "start": DAY, "end": DAY, "timeframe": "1m", "session": None,
             "as_": "pandas", "adjust": "splits"},
    "gaps": {"symbols": "SPY", "start": DAY, "end": DAY, "timeframe": "1m", "session": "rth",
             "holes": False},
    "ingest": {"symbols": "SPY", "start": DAY, "end": DAY, "timeframe": "1m", "session": "rth",
               "refetch": False, "force": False},
    "actions": {"symbol": "SPY"},
    "check": {"timeframe": "1m", "session": "rth"},
    "export": {"symbols": "SPY", "path": "bars", "start": DAY, "end": DAY, "timeframe": "1m"},
}  # fmt: skip
CASES = [(method, argument) for method, given in VALID.items() for argument in given]


def within_reach(method: str, argument: str, value: Any) -> bool:
    """Whether the call is quick: a range drawn at random inside the calendar (1990..2035)
    would have ingestion fetch years of synthetic minutes, and gaps and export plan them;
    such bounds are read as ``bars`` reads them (it is drawn every date)."""
    if method == "bars" or argument not in ("start", "end") or not isinstance(value, date):
        return True
    inside = 1990 <= value.year <= 2035
    return not inside or (method != "ingest" and value.year == 2024 and value.month >= 11)


@pytest.mark.parametrize(("method", "argument"), CASES)
@given(value=unusual())
def test_each_argument_of_the_facade_is_used_or_refused_by_name(
    cx: Chronox, frame: pd.DataFrame, method: str, argument: str, value: Any
) -> None:
    if not within_reach(method, argument, value):
        return
    arguments = {**VALID[method], argument: value}
    if method == "check":
        arguments["frame"] = frame
    with elsewhere():
        settles(lambda: getattr(cx, method)(**arguments), argument, (NotFound,))


@given(value=unusual())
def test_checking_any_value_as_a_frame_is_refused_by_name(cx: Chronox, value: Any) -> None:
    settles(lambda: cx.check(value), "frame")


@given(value=unusual())
def test_connect_reads_its_store_strictly(value: Any) -> None:
    def opened() -> None:
        connect(value, source="synthetic", redis_url="").close()

    with elsewhere():
        settles(opened, "store")


@given(name=st.sampled_from(sorted(set(Settings.model_fields) - {"store"})), value=unusual())
def test_each_setting_of_connect_is_used_or_refused_by_name(name: str, value: Any) -> None:
    with elsewhere():
        settles(lambda: connect("memory://", **{name: value}).close(), name)


@given(name=st.text(min_size=1, max_size=12).filter(lambda n: n not in Settings.model_fields))
def test_a_keyword_that_is_no_setting_is_refused_with_the_valid_ones(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        connect("memory://", **{name: "x"})
    assert f"connect({name}=...)" in str(refused.value) and "settle_minutes" in str(refused.value)


def test_a_misspelt_store_is_refused_not_ignored() -> None:
    with pytest.raises(InvalidInput, match=r"connect\(stroe=...\): no such setting \(valid: "):
        connect(stroe="memory://")


@given(value=unusual())
def test_a_container_is_what_the_facade_wraps(value: Any) -> None:
    settles(lambda: Chronox(value), "container")


# check_frame, bars_of and the conversions: the same rule, with frames of every shape.

COLUMN_KINDS: dict[str, Callable[[int], Any]] = {
    "float": lambda n: np.linspace(1.0, 2.0, n),
    "int": lambda n: np.arange(1, n + 1),
    "bool": lambda n: np.ones(n, dtype=bool),
    "text": lambda n: ["x"] * n,
    "number text": lambda n: ["1.5"] * n,
    "mixed": lambda n: [1.0, "a", None, Decimal("2"), b"b"][:n] + [1.0] * max(0, n - 5),
    "nullable": lambda n: pd.array([1, None] * (n // 2) + [1] * (n % 2), dtype="Int64"),
    "times": lambda n: pd.date_range("2024-01-01", periods=n, tz="UTC"),
    "complex": lambda n: np.full(n, 1 + 1j),
    "category": lambda n: pd.Categorical(["a"] * n),
    "nan": lambda n: np.full(n, np.nan),
    "huge": lambda n: np.full(n, 1e308),
    "infinite": lambda n: np.full(n, np.inf),
}
INDEX_KINDS: dict[str, Callable[[int], Any]] = {
    "utc": lambda n: pd.date_range("2024-11-26 14:30", periods=n, freq="min", tz="UTC"),
    "naive": lambda n: pd.date_range("2024-11-26 14:30", periods=n, freq="min"),
    "new york": lambda n: pd.date_range("2024-11-26 09:30", periods=n, freq="min",
                                        tz="America/New_York"),
    "seconds": lambda n: pd.date_range("2024-11-26 14:30", periods=n, freq="7s", tz="UTC"),
    "numbers": lambda n: pd.RangeIndex(n),
    "text": lambda n: pd.Index([f"t{i}" for i in range(n)]),
    "nat": lambda n: pd.DatetimeIndex([pd.NaT] * n),
    "far": lambda n: pd.DatetimeIndex(["1700-01-01"] * n).as_unit("s"),
    "far future": lambda n: pd.DatetimeIndex(["2200-01-01"] * n).as_unit("s"),
    "dates": lambda n: pd.Index([date(2024, 11, 26)] * n),
    "periods": lambda n: pd.period_range("2024-11-26", periods=n, freq="min"),
    "multi": lambda n: pd.MultiIndex.from_arrays([range(n), range(n)]),
}  # fmt: skip
NAMES = ["open", "high", "low", "close", "volume", "vwap", "trades", "start", "Open", "CLOSE",
         "other", 7]  # fmt: skip


@st.composite
def odd_frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(0, 6))
    names = draw(st.lists(st.sampled_from(NAMES), max_size=9))
    if draw(st.booleans()):
        names = [*dict.fromkeys([*names, "open", "high", "low", "close", "volume"])]
    columns = {}
    for at in range(len(names)):
        kind = draw(st.sampled_from(sorted(COLUMN_KINDS)))
        columns[at] = pd.Series(COLUMN_KINDS[kind](rows)).reset_index(drop=True)
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(rows))
    frame.columns = pd.Index(names, dtype=object) if names else frame.columns
    if draw(st.booleans()):
        frame.index = INDEX_KINDS[draw(st.sampled_from(sorted(INDEX_KINDS)))](rows)
    if draw(st.booleans()) and len(frame.columns):
        frame.columns = pd.MultiIndex.from_arrays([list(frame.columns), list(frame.columns)])
    return frame


@pytest.fixture(scope="module")
def calendar() -> ExchangeCalendar:
    return ExchangeCalendar("XNYS")


@given(frame=odd_frames())
def test_a_frame_of_any_shape_is_checked_or_refused_by_name(
    calendar: ExchangeCalendar, frame: pd.DataFrame
) -> None:
    settles(lambda: check_frame(frame, calendar=calendar), "frame")
    settles(lambda: bars_of(frame, "SPY", "1m"), "frame")


@pytest.mark.parametrize("argument", ["frame", "timeframe", "session", "calendar"])
@given(value=unusual())
def test_each_argument_of_check_frame_is_used_or_refused_by_name(
    calendar: ExchangeCalendar, frame: pd.DataFrame, argument: str, value: Any
) -> None:
    arguments = {"frame": frame, "timeframe": "1m", "session": "rth", "calendar": calendar}
    settles(lambda: check_frame(**{**arguments, argument: value}), argument)


@pytest.mark.parametrize("argument", ["frame", "symbol", "timeframe"])
@given(value=unusual())
def test_each_argument_of_bars_of_is_used_or_refused_by_name(
    frame: pd.DataFrame, argument: str, value: Any
) -> None:
    arguments = {"frame": frame, "symbol": "SPY", "timeframe": "1m"}
    settles(lambda: bars_of(**{**arguments, argument: value}), argument)


@pytest.mark.parametrize("convert", [to_pandas, to_arrow, to_polars])
@given(value=unusual())
def test_the_conversions_take_bar_columns_only(convert: Callable[[Any], Any], value: Any) -> None:
    settles(lambda: convert(value), "columns")


def test_the_messages_say_what_was_expected_and_what_came(cx: Chronox) -> None:
    with pytest.raises(InvalidInput, match=r"^symbol: expected a ticker string, got int 42$"):
        cx.bars(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"^holes: expected True or False, got int 1$"):
        cx.gaps("SPY", holes=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"^symbols\[1\]: expected a ticker string, got"):
        cx.ingest(["SPY", None])  # type: ignore[list-item]
    with pytest.raises(InvalidInput, match=r"^start: expected a date, a datetime or a "):
        cx.bars("SPY", start=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"^connect\(settle_minutes=...\): expected int, got"):
        connect("memory://", settle_minutes=True)
    when = datetime(2024, 11, 26, 15, tzinfo=UTC)
    assert cx.bars("SPY", when, pd.Timestamp(when) + pd.Timedelta(minutes=2)).shape[0] == 2
