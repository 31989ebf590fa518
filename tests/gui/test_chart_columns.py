"""BarColumns: sorted numpy columns with upserts, pages merged anywhere, scroll-back."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from chronox_entrypoints.gui.chart.columns import BarColumns, epoch_ns
from chronox_presentation.bars import BarEventOut, BarOut

pytestmark = pytest.mark.gui

MINUTE = 60_000_000_000


def columns_at(minutes: list[int], price: float = 1.0) -> BarColumns:
    starts = np.array(minutes, np.int64) * MINUTE
    values = np.full(len(minutes), price)
    return BarColumns.from_arrays(starts, values, values + 1, values - 0.5, values, values * 10)


def test_from_arrays_sorts_and_keeps_the_later_of_two_bars_with_one_start() -> None:
    starts = np.array([3, 1, 2, 2], np.int64) * MINUTE
    opens = np.array([30.0, 10.0, 20.0, 21.0])
    columns = BarColumns.from_arrays(starts, opens, opens, opens, opens, opens)
    assert list(columns.start_ns // MINUTE) == [1, 2, 3]
    assert list(columns.open) == [10.0, 21.0, 30.0]
    assert not columns.provisional.any()


def test_from_bars_reads_api_models_and_dicts_with_their_provisional_flag() -> None:
    start = datetime(2024, 11, 29, 14, 30, tzinfo=UTC)
    settled = BarOut(start=start, open=1, high=2, low=0.5, close=1.5, volume=100)
    live = BarEventOut(
        symbol="SPY",
        timeframe="1m",
        start=start.replace(minute=31),
        open=1.5,
        high=2,
        low=1,
        close=1.2,
        volume=7,
        provisional=True,
        source="live",
    )
    as_dict = {
        "start": start.replace(minute=32),
        "open": 1.2,
        "high": 1.3,
        "low": 1.1,
        "close": 1.25,
        "volume": 3,
    }
    models = BarColumns.from_bars([settled])
    models.merge(BarColumns.from_bars([live]))
    models.merge(BarColumns.from_bars([as_dict], provisional=True))
    assert list(models.start_ns) == [epoch_ns(start) + i * MINUTE for i in range(3)]
    assert list(models.provisional) == [False, True, True]
    assert list(models.close) == [1.5, 1.2, 1.25]
    assert epoch_ns(start) == int(start.timestamp()) * 1_000_000_000
    assert len(BarColumns.from_bars([])) == 0


def test_from_bars_keeps_microseconds_exactly() -> None:
    starts = [datetime(2024, 11, 29, 14, 30, 0, micro, tzinfo=UTC) for micro in (1, 999_999)]
    bars = [{"start": s, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for s in starts]
    assert list(BarColumns.from_bars(bars).start_ns) == [epoch_ns(s) for s in starts]


def test_live_upserts_replace_the_last_slot_or_append_and_views_follow() -> None:
    columns = columns_at([0, 1, 2])
    assert columns.upsert(2 * MINUTE, 5, 6, 4, 5.5, 1, provisional=True) == 2
    assert len(columns) == 3 and columns.close[-1] == 5.5 and columns.provisional[-1]
    for minute in range(3, 1000):
        assert columns.upsert(minute * MINUTE, 1, 2, 0.5, 1, 1) == minute
    assert len(columns) == 1000
    assert bool(np.all(np.diff(columns.start_ns) == MINUTE))
    assert columns.nbytes < 4 * 1000 * 49  # doubling: at most about twice what is held


def test_upsert_of_an_older_slot_replaces_it_in_place_or_inserts_it_in_order() -> None:
    columns = columns_at([0, 2, 4])
    assert columns.upsert(2 * MINUTE, 9, 9, 9, 9, 9) == 1
    assert columns.open[1] == 9 and len(columns) == 3
    assert columns.upsert(3 * MINUTE, 7, 7, 7, 7, 7) == 2
    assert list(columns.start_ns // MINUTE) == [0, 2, 3, 4]


def test_prepend_puts_an_older_page_first_without_disturbing_the_rest() -> None:
    columns = columns_at(list(range(100, 200)))
    for first in (80, 40, 0):
        columns.prepend(columns_at(list(range(first, first + 20 if first else 40)), price=2.0))
    assert list(columns.start_ns[:3] // MINUTE) == [0, 1, 2]
    assert bool(np.all(np.diff(columns.start_ns) > 0))
    assert columns.open[0] == 2.0 and columns.open[-1] == 1.0


def test_merge_replaces_settled_bars_in_place_and_adds_new_slots_in_order() -> None:
    columns = columns_at([0, 1, 2, 5, 6])
    columns.upsert(6 * MINUTE, 1, 1, 1, 1, 1, provisional=True)
    columns.merge(columns_at([1, 3, 6, 7], price=4.0))
    assert list(columns.start_ns // MINUTE) == [0, 1, 2, 3, 5, 6, 7]
    assert list(columns.open) == [1, 4, 1, 4, 1, 4, 4]
    assert not columns.provisional.any()  # the settled bar replaced the provisional one


def test_lookups_by_start() -> None:
    columns = columns_at([0, 2, 4])
    assert columns.index_of(2 * MINUTE) == 1 and columns.index_of(3 * MINUTE) == -1
    assert columns.between(1 * MINUTE, 5 * MINUTE) == (1, 3)
    assert len(BarColumns()) == 0 and BarColumns().index_of(0) == -1


def test_any_mix_of_upserts_and_pages_agrees_with_a_dict_of_bars() -> None:
    rng = np.random.default_rng(7)  # fixed: the same mix on every run
    columns = columns_at(list(range(0, 150, 3)))
    expected = {minute * MINUTE: 1.0 for minute in range(0, 150, 3)}
    for _ in range(300):
        if rng.random() < 0.4:
            start, value = int(rng.integers(-10, 200)) * MINUTE, float(rng.random())
            columns.upsert(start, value, value, value, value, value)
            expected[start] = value
        else:  # pages of 1..150 bars: in-place updates, appends, prepends, insertions
            starts = rng.integers(-20, 400, int(rng.integers(1, 150))) * MINUTE
            values = rng.random(starts.shape[0])
            columns.merge(BarColumns.from_arrays(starts, *([values] * 5)))
            expected.update(zip(starts.tolist(), values.tolist(), strict=True))
    assert columns.start_ns.tolist() == sorted(expected)
    assert columns.open.tolist() == [expected[start] for start in sorted(expected)]
