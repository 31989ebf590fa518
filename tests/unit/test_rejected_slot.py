"""A bar refused at ingestion leaves its own slot a gap, and only that slot: the
neighbouring bars are stored and their slots covered (1m and 1h, the memory store)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chronox_adapters.memory import MemorySource
from chronox_domain import Bar, Interval, SessionKind, Timeframe
from chronox_domain.services.ingestion import IngestRequest
from tests.conftest import Stack

DAY = date(2024, 11, 26)
#: The RTH slots of DAY: 14:30-21:00 UTC in minutes, 14:00-21:00 in hours (the first
#: hour bar starts before the open and holds its first half hour).
FIRST_SLOT = {
    Timeframe.M1: datetime(2024, 11, 26, 14, 30, tzinfo=UTC),
    Timeframe.H1: datetime(2024, 11, 26, 14, 0, tzinfo=UTC),
}
SESSION_END = datetime(2024, 11, 26, 21, 0, tzinfo=UTC)


def session_bars(timeframe: Timeframe) -> list[Bar]:
    first, step = FIRST_SLOT[timeframe], timeframe.step
    count = (SESSION_END - first) // step
    return [
        Bar("SPY", timeframe, first + i * step, 100.0, 101.0, 99.0, 100.5, 1_000.0)
        for i in range(count)
    ]


@pytest.mark.parametrize("timeframe", [Timeframe.M1, Timeframe.H1], ids=str)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_rejected_bar_leaves_exactly_its_slot_a_gap(
    stack: Stack, timeframe: Timeframe, where: str
) -> None:
    bars = session_bars(timeframe)
    index = {"first": 0, "middle": len(bars) // 2, "last": len(bars) - 1}[where]
    refused = bars[index]._replace(high=98.0)  # high below low
    served = [*bars[:index], refused, *bars[index + 1 :]]
    app = stack(source=MemorySource(served))
    repository, coverage, ingestion = app.repository(), app.coverage(), app.ingestion()
    request = IngestRequest(("SPY",), timeframe, SessionKind.RTH, DAY, DAY)
    slot = Interval(refused.start, refused.start + timeframe.step)

    for _ in range(2):  # asked again, refused again: still that one slot
        report = ingestion.ingest(request)
        assert report.bars_rejected == 1 and len(report.rejections) == 1
        gaps = coverage.missing("SPY", timeframe, SessionKind.RTH, DAY, DAY).missing
        assert list(gaps) == [slot]
        stored = repository.bar_starts("SPY", timeframe, Interval(bars[0].start, SESSION_END))
        assert stored == [bar.start for bar in bars if bar.start != refused.start]
