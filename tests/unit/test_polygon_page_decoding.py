"""The aggregates page decoded from the vendor's bytes by the typed decoder: the same bars
as the page's JSON parsed in Python, the vendor's names and optional fields, a page of the
wrong shape refused saying where, and a bar that breaks the invariants left for ingestion
to reject and count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chronox_adapters.polygon.parsing import (
    NotAJsonObject,
    aggregate_bars,
    decode_aggregates,
    parse_aggregates,
)
from chronox_domain import MalformedData, Timeframe
from chronox_domain.bar import split_valid

T0 = 1732545000000  # 2024-11-25 14:30Z
FULL = {"v": 100, "vw": 10.1, "o": 10.0, "c": 10.2, "h": 10.3, "l": 9.9, "t": T0, "n": 7}


def page(*results: dict[str, Any], **envelope: Any) -> bytes:
    body = {"ticker": "SPY", "status": "OK", "adjusted": False, **envelope}
    if results:
        body["results"] = list(results)
    return json.dumps(body).encode()


def bars_of(body: bytes, timeframe: Timeframe = Timeframe.M1) -> list[Any]:
    return aggregate_bars(decode_aggregates(body, "SPY"), "SPY", timeframe)


def test_the_bytes_decode_into_the_bars_the_json_parses_into() -> None:
    rows = [
        FULL,
        {"v": 50.5, "o": 10.2, "c": 10.1, "h": 10.2, "l": 10.0, "t": T0 + 60_000},
        {**FULL, "t": T0 + 120_000, "vw": None, "otc": True, "extra": [1, {"x": 2}]},
    ]
    body = page(*rows)
    for timeframe in (Timeframe.M1, Timeframe.D1):
        decoded = bars_of(body, timeframe)
        assert decoded == parse_aggregates(json.loads(body), "SPY", timeframe)
    first, second, third = bars_of(body)
    assert first.start == datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
    assert tuple(first[3:]) == (10.0, 10.3, 9.9, 10.2, 100.0, 10.1, 7)
    assert (second.volume, second.vwap, second.trades) == (50.5, None, None)
    assert (third.vwap, third.trades) == (None, 7)
    assert type(first.volume) is float and type(first.trades) is int


@pytest.mark.parametrize("body", [b"{}", page(), page(results=None), b'{"resultsCount": 0}'])
def test_the_vendors_empty_answers_are_no_bars(body: bytes) -> None:
    assert bars_of(body) == []


def test_the_envelope_is_kept_as_the_vendor_sent_it() -> None:
    decoded = decode_aggregates(page(FULL, next_url="https://x/v2/aggs?cursor=abc"), "SPY")
    assert (decoded.next_url, decoded.adjusted, decoded.status) == (
        "https://x/v2/aggs?cursor=abc", False, "OK"
    )  # fmt: skip
    # An envelope of unexpected types says nothing; the paging and basis checks decide.
    odd = decode_aggregates(page(FULL, next_url=5, adjusted="no", status=None), "SPY")
    assert (odd.next_url, odd.adjusted, odd.status) == (5, "no", None)


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ({k: v for k, v in FULL.items() if k != "t"}, "missing required field `t`"),
        ({k: v for k, v in FULL.items() if k != "c"}, "missing required field `c`"),
        ({**FULL, "o": "10.0"}, "Expected `float`, got `str` - at `$.results[1].o`"),
        ({**FULL, "h": None}, "got `null` - at `$.results[1].h`"),
        ({**FULL, "l": True}, "got `bool` - at `$.results[1].l`"),
        ({**FULL, "t": "2024-11-25"}, "at `$.results[1].t`"),
        ({**FULL, "n": 7.5}, "at `$.results[1].n`"),
    ],
    ids=["no-t", "no-c", "str-price", "null-price", "bool-price", "str-time", "float-trades"],
)
def test_an_aggregate_of_the_wrong_shape_makes_the_page_malformed(
    row: dict[str, Any], where: str
) -> None:
    body = page(FULL, row)
    with pytest.raises(MalformedData, match="aggregates page for SPY") as refused:
        decode_aggregates(body, "SPY")
    assert where in str(refused.value)
    with pytest.raises(MalformedData) as parsed:  # the same rule from decoded JSON
        parse_aggregates(json.loads(body), "SPY", Timeframe.M1)
    assert where in str(parsed.value)


def test_results_that_are_not_a_list_make_the_page_malformed() -> None:
    with pytest.raises(MalformedData, match=r"at `\$.results`"):
        decode_aggregates(b'{"results": "nope"}', "SPY")


@pytest.mark.parametrize("body", [b'{"results": [', b"<html>busy</html>", b"", b"[1, 2]", b"3"])
def test_a_body_that_is_no_json_object_is_said_so(body: bytes) -> None:
    with pytest.raises(NotAJsonObject):
        decode_aggregates(body, "SPY")


def test_a_time_no_datetime_holds_makes_the_page_malformed() -> None:
    with pytest.raises(MalformedData, match="bad aggregate"):
        bars_of(page({**FULL, "t": 10**17}))


def test_bars_that_break_the_invariants_reach_ingestion_which_rejects_them() -> None:
    sound = {**FULL, "t": T0 + 60_000}
    negative = {**FULL, "t": T0 + 120_000, "o": -1.0}
    low_above_open = {**FULL, "t": T0 + 180_000, "l": 10.1}
    off_grid = {**FULL, "t": T0 + 240_500}  # half a second past the minute
    body = page(FULL, sound, negative, low_above_open, off_grid)
    bars = bars_of(body)
    assert len(bars) == 5  # decoded: the page is sound, some of its bars are not
    valid, rejected = split_valid(bars)
    assert valid == bars[:2]
    assert [r.bar for r in rejected] == bars[2:]
    assert "open price -1.0" in rejected[0].reason and "not on the 1m grid" in rejected[2].reason


def test_nan_and_infinity_which_strict_json_lacks_still_reach_the_invariants() -> None:
    # Python's encoder writes them, so a proxy in Python may: such bars are rejected
    # and counted at ingestion, the rest of the page stored, as before pages were typed.
    nan = {**FULL, "t": T0 + 60_000, "c": float("nan")}
    infinite = {**FULL, "t": T0 + 120_000, "v": float("inf")}
    body = json.dumps({"results": [FULL, nan, infinite]}).encode()
    assert b"NaN" in body and b"Infinity" in body
    bars = bars_of(body)
    valid, rejected = split_valid(bars)
    assert valid == bars[:1] and len(rejected) == 2
