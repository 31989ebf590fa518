"""The interval algebra against its brute-force model: sets of whole minutes.

A normalised list is the unique canonical form of a minute set, so "equals the model"
is checked as ``result == runs(model)``: the same minutes, and normalised.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given

from chronox_domain.errors import InvalidRange
from chronox_domain.interval import (
    Interval,
    clip,
    intersect,
    normalize,
    subtract,
    total_duration,
    union,
)
from tests.property.strategies import (
    BASE,
    at,
    intervals,
    is_normalised,
    minutes_in,
    normalised_lists,
    raw_lists,
    runs,
)


def assert_matches_model(result: list[Interval], model: set[int]) -> None:
    assert is_normalised(result), f"not normalised: {[str(piece) for piece in result]}"
    assert minutes_in(result) == model
    assert result == runs(model)


@given(raw_lists())
def test_normalize_keeps_exactly_the_minutes_and_normalises(raw):
    assert_matches_model(normalize(raw), minutes_in(raw))


@given(raw_lists())
def test_normalize_is_idempotent(raw):
    once = normalize(raw)
    assert normalize(once) == once


@given(normalised_lists())
def test_normalize_leaves_a_normalised_list_as_it_is(pieces):
    assert normalize(pieces) == pieces


@given(normalised_lists(), normalised_lists())
def test_union_is_the_union_of_minutes(left, right):
    assert_matches_model(union(left, right), minutes_in(left) | minutes_in(right))


@given(normalised_lists(), normalised_lists())
def test_intersect_is_the_intersection_of_minutes(left, right):
    assert_matches_model(intersect(left, right), minutes_in(left) & minutes_in(right))


@given(normalised_lists(), normalised_lists())
def test_subtract_is_the_difference_of_minutes(left, right):
    assert_matches_model(subtract(left, right), minutes_in(left) - minutes_in(right))


@given(normalised_lists(), intervals())
def test_clip_keeps_the_minutes_inside_the_window(pieces, window):
    assert_matches_model(clip(pieces, window), minutes_in(pieces) & minutes_in([window]))


@given(normalised_lists(), normalised_lists())
def test_subtract_and_intersect_split_the_left_list(left, right):
    assert union(subtract(left, right), intersect(left, right)) == left


@given(normalised_lists())
def test_total_duration_counts_the_minutes(pieces):
    assert total_duration(pieces) == len(minutes_in(pieces)) * timedelta(minutes=1)


def test_an_interval_must_not_be_empty_or_inverted():
    with pytest.raises(InvalidRange):
        Interval(at(5), at(5))
    with pytest.raises(InvalidRange):
        Interval(at(5), at(4))


def test_an_interval_must_be_timezone_aware():
    with pytest.raises(InvalidRange):
        Interval(BASE.replace(tzinfo=None), at(1))
