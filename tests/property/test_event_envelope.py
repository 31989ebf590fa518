"""The bar-event envelope read from Redis (what ``watch`` and ``/ws/bars`` relay): any
JSON another process put on a channel or in the stream decodes to an event or is
refused with ``MalformedData`` (which the subscriber logs and skips), never another
exception that would end every listener's feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronox_adapters.redis.envelope import decode, encode
from chronox_domain.bar import Bar
from chronox_domain.errors import MalformedData
from chronox_domain.events import BarEvent
from chronox_domain.timeframe import Timeframe

GOOD = json.loads(
    encode(
        BarEvent(
            Bar(
                "SPY", Timeframe.M1, datetime(2024, 11, 25, 14, 30, tzinfo=UTC), 10, 11, 9, 10.5, 7
            ),
            False,
            "synthetic",
        )
    )
)
#: JSON values that sit at the edges of what Python reads: numbers no float holds,
#: instants no datetime in UTC holds.
EDGES = [
    10**400,
    -(10**400),
    2**63,
    1e308,
    -0.0,
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:00-05:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999-23:59",
]


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**300, max_value=10**400),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.sampled_from(EDGES),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=5,
    )


@given(st.dictionaries(st.sampled_from(sorted(GOOD)), json_values(), min_size=1, max_size=4))
def test_any_field_values_decode_or_are_malformed(changes: dict[str, Any]) -> None:
    raw = {**GOOD, **changes}
    try:
        event = decode(json.dumps(raw))
    except MalformedData:
        return
    assert isinstance(event, BarEvent)


@pytest.mark.parametrize("field", ["o", "h", "l", "c", "v", "vw"])
def test_a_number_no_float_holds_is_malformed(field: str) -> None:
    with pytest.raises(MalformedData, match=f"{field} .* not a number a float holds"):
        decode(json.dumps({**GOOD, field: 10**400}))


@pytest.mark.parametrize(
    "start",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-05:00"],
)
def test_an_instant_outside_the_calendar_of_datetime_is_malformed(start: str) -> None:
    with pytest.raises(MalformedData, match="start"):
        decode(json.dumps({**GOOD, "start": start}))
