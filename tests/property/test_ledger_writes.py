"""SQLite's bulk ledger write takes a series' added coverage as given only where the
merge would leave it unchanged: ``merge_spans([], spans) == spans`` whenever
``_merged_already(spans)`` says so (and it says so for a day file's spans)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chronox_adapters.sqlite.ledger_writes import _merged_already
from chronox_domain.coverage import CoverageSpan, CoverageStatus, merge_spans
from chronox_domain.interval import Interval

T0 = datetime(2024, 3, 5, 9, tzinfo=UTC)


@st.composite
def spans(draw: st.DrawFn) -> list[CoverageSpan]:
    cuts = sorted(draw(st.lists(st.integers(0, 60), max_size=8, unique=True)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    found = []
    for lo, hi in pairs:
        odd = draw(st.integers(0, 3)) == 0
        status = draw(st.sampled_from(list(CoverageStatus))) if odd else CoverageStatus.FINAL
        found.append(
            CoverageSpan(
                Interval(T0 + timedelta(minutes=lo), T0 + timedelta(minutes=hi)),
                status,
                draw(st.sampled_from(["flatfiles", "flatfiles", "polygon"])),
                etag=draw(st.sampled_from(['"e1"', '"e1"', '"e2"', None])),
            )
        )
    return found


@settings(max_examples=500, deadline=None)
@given(added=spans())
def test_spans_taken_as_given_are_what_the_merge_makes(added: list[CoverageSpan]) -> None:
    if _merged_already(added):
        assert merge_spans([], list(added)) == added


def test_a_day_files_spans_are_taken_as_given() -> None:
    def at(minute: int) -> datetime:
        return T0 + timedelta(minutes=minute)

    day = [
        CoverageSpan(Interval(at(a), at(b)), CoverageStatus.FINAL, "flatfiles", etag='"e1"')
        for a, b in ((0, 10), (11, 300), (301, 960))
    ]
    assert _merged_already(day) and merge_spans([], day) == day
    touching = [day[0], replace(day[0], interval=Interval(at(10), at(20)))]
    assert not _merged_already(touching)
