"""The domain's public parsers, called directly (a notebook's ``import chronox_domain``),
against arbitrary Python values: each answers or raises its one ``InvalidInput``
subclass on one line, never an AttributeError or a TypeError; and a string is read,
or refused, with the very message it always had."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronox_domain import InvalidInput, InvalidRange, InvalidSymbol, InvalidTimeframe
from chronox_domain.actions import AdjustmentType, PriceBasis
from chronox_domain.bounds import parse_bound
from chronox_domain.jobs import JobSpec
from chronox_domain.services.pipeline import Mode
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


class Odd:
    """A user's object whose repr fails."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def anything() -> st.SearchStrategy[Any]:
    """Values of every kind a caller can hand over, valid ones among them."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.complex_numbers(allow_nan=True),
        st.decimals(),
        st.text(max_size=12),
        st.sampled_from(["", " ", "\x00", "SPY", "spy", "1m", "1M", "RTH", "eth", "unified"]),
        st.sampled_from(["2024-11-26", "2024-11-26T14:30:00Z", "2024-13-01", "backfill"]),
        st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]),
        st.binary(max_size=6),
        st.dates(),
        st.datetimes(),
        st.datetimes(timezones=st.timezones()),
        st.timedeltas(),
        st.sampled_from([*Timeframe, *SessionKind, *Mode, *AdjustmentType, *PriceBasis]),
        st.sampled_from([pd.NaT, pd.Timestamp("2024-11-26 15:00", tz="UTC"), np.int64(3)]),
        st.sampled_from([np.float64("nan"), np.array([1, 2]), np.str_("SPY"), Decimal("1")]),
        st.sampled_from([int, Timeframe, object(), Ellipsis, pd.DataFrame(), pd.Series([1])]),
        st.builds(Odd),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.tuples(inner, inner)
            | st.dictionaries(st.text(max_size=3), inner, max_size=2)
        ),
        max_leaves=4,
    )


#: Each public parser of the domain, what it answers, and the error it refuses with.
PARSERS: dict[str, tuple[Callable[[Any], Any], tuple[type, ...], type[InvalidInput]]] = {
    "parse_symbol": (parse_symbol, (str,), InvalidSymbol),
    "Timeframe.parse": (Timeframe.parse, (Timeframe,), InvalidTimeframe),
    "SessionKind.parse": (SessionKind.parse, (SessionKind,), InvalidInput),
    "Mode.parse": (Mode.parse, (Mode,), InvalidInput),
    "parse_bound": (parse_bound, (date, type(None)), InvalidInput),
    "JobSpec.from_payload": (JobSpec.from_payload, (JobSpec,), InvalidInput),
    "AdjustmentType.parse": (AdjustmentType.parse, (AdjustmentType,), InvalidInput),
    "PriceBasis.parse": (PriceBasis.parse, (PriceBasis,), InvalidInput),
}


def settles(
    parse: Callable[[Any], Any], answers: tuple[type, ...], error: type, value: Any
) -> None:
    try:
        answer = parse(value)
    except InvalidInput as exc:
        assert isinstance(exc, error), (type(exc), exc)
        message = str(exc)
        assert message and "\n" not in message, message
        assert len(message) < 400, message
    else:
        assert isinstance(answer, answers), answer


@pytest.mark.parametrize("name", PARSERS)
@given(value=anything())
def test_each_parser_answers_or_refuses_any_value(name: str, value: Any) -> None:
    settles(*PARSERS[name], value)


@given(
    payload=st.dictionaries(
        st.sampled_from(["symbols", "start", "end", "kind", "timeframe", "other"]),
        anything(),
        max_size=6,
    )
)
def test_a_job_payload_of_any_values_is_read_or_refused(payload: dict[str, Any]) -> None:
    settles(JobSpec.from_payload, (JobSpec,), InvalidInput, payload)


def test_a_non_string_is_refused_saying_what_was_expected() -> None:
    with pytest.raises(InvalidSymbol, match=r"^expected a ticker string, got int 42$"):
        parse_symbol(42)
    with pytest.raises(InvalidTimeframe, match=r"^expected a timeframe such as '1m' or '1d', "):
        Timeframe.parse(None)
    with pytest.raises(InvalidInput, match=r"^expected 'rth' or 'eth', got bytes b'rth'$"):
        SessionKind.parse(b"rth")
    with pytest.raises(InvalidInput, match=r"^expected 'backfill' or 'unified', got list \[\]$"):
        Mode.parse([])
    with pytest.raises(InvalidInput, match=r"^expected a date, a datetime or a YYYY-MM-DD"):
        parse_bound(1.5)
    with pytest.raises(InvalidInput, match=r"^expected a date or a datetime, got NaTType NaT$"):
        parse_bound(pd.NaT)
    with pytest.raises(InvalidInput, match=r"^malformed job payload: expected a mapping, got"):
        JobSpec.from_payload("symbols=SPY")
    with pytest.raises(InvalidInput, match=r"^malformed job payload: symbols: expected a string"):
        JobSpec.from_payload({"symbols": ["SPY"]})
    with pytest.raises(InvalidInput, match=r"^malformed job payload: no 'symbols'$"):
        JobSpec.from_payload({"start": ""})


def test_a_parsed_value_is_itself() -> None:
    assert Timeframe.parse(Timeframe.H1) is Timeframe.H1
    assert SessionKind.parse(SessionKind.ETH) is SessionKind.ETH
    assert Mode.parse(Mode.BACKFILL) is Mode.BACKFILL
    when = datetime(2024, 11, 26, 15, tzinfo=UTC)
    assert parse_bound(when) == when
    assert parse_bound(pd.Timestamp(when)) == when
    spec = JobSpec(("SPY",), date(2024, 11, 25), when)
    assert JobSpec.from_payload(spec.to_payload()) == spec


# --- strings: read, or refused, with the messages they always had ---------------------

SYMBOL_RULE = "expected 1-15 characters, a letter first, then letters, digits, '.' or '-'"


@given(text=st.text(max_size=20))
def test_a_symbol_string_keeps_its_message(text: str) -> None:
    try:
        parse_symbol(text)
    except InvalidSymbol as exc:
        assert str(exc) == f"invalid symbol {text!r}: {SYMBOL_RULE}"


@given(text=st.text(max_size=6) | st.sampled_from(["1M", "1H", " 5M "]))
def test_a_timeframe_string_keeps_its_message(text: str) -> None:
    try:
        Timeframe.parse(text)
    except InvalidTimeframe as exc:
        hint = "; names are case-sensitive" if text.strip().lower() in ("1m", "5m", "1h") else ""
        assert str(exc) == f"unknown timeframe {text!r} (choose from 1m, 5m, 15m, 1h, 1d{hint})"


@given(text=st.text(max_size=6))
def test_a_session_string_keeps_its_message(text: str) -> None:
    try:
        SessionKind.parse(text)
    except InvalidInput as exc:
        assert str(exc) == f"unknown session {text!r} (choose from rth, eth)"


def test_a_bound_string_keeps_its_message() -> None:
    with pytest.raises(InvalidRange, match=r"^'2024-13-01' is neither YYYY-MM-DD nor an ISO-8601"):
        parse_bound(" 2024-13-01 ")
    with pytest.raises(InvalidRange, match=r"^'0001-01-01T00:00:00\+23:59' is out of range$"):
        parse_bound("0001-01-01T00:00:00+23:59")
    assert parse_bound("  ") is None
    assert parse_bound("2024-11-26T09:30:00-05:00") == datetime(2024, 11, 26, 14, 30, tzinfo=UTC)
