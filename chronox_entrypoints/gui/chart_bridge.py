"""The monitor's side of the chart engine (:mod:`chronox_entrypoints.gui.chart`): what
the presenters hand out (numpy blocks of bars, sessions, ribbon segments in UTC) in the
shapes the chart takes (``BarColumns``, a ``SlotAxis``, segments in slots).

A thin adapter, so that the presenters need not import the chart's Qt half (they share
only its numpy ``columns`` module) and the chart need not know the presenters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.slots import SlotAxis
from chronox_entrypoints.gui.presenters.bars import Block, epoch_ns
from chronox_entrypoints.gui.presenters.coverage import RibbonSegment
from chronox_presentation import SessionOut


def columns_of(block: Block) -> BarColumns:
    return BarColumns.from_arrays(**block)


def axis_of(sessions: Sequence[SessionOut], timeframe: str) -> SlotAxis:
    return SlotAxis(sessions, Timeframe(timeframe))


def segments_on(axis: SlotAxis, segments: Sequence[RibbonSegment]) -> list[tuple[int, int, str]]:
    """Ribbon segments as slot spans of ``axis`` (a segment of closed time only, which
    covers no slot, is dropped)."""
    if not segments:
        return []
    starts = axis.slots_before(np.array([epoch_ns(s.start) for s in segments], np.int64))
    ends = axis.slots_before(np.array([epoch_ns(s.end) for s in segments], np.int64))
    return [
        (int(first), int(last), segment.kind)
        for first, last, segment in zip(starts, ends, segments, strict=True)
        if last > first
    ]
