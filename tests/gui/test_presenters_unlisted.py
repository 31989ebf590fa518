"""The ribbon's ``unlisted`` kind: time before a symbol's listing, as ``GET /gaps`` with
holes lists it, has its own colour and wins over spans a source answered for there
(fetched before the listing was known: they hold nothing of this company)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from chronox_adapters.chronox_api import ChronoxClient
from chronox_entrypoints.gui.chart import palette
from chronox_entrypoints.gui.presenters import CoveragePresenter
from chronox_presentation import CoverageOut, GapOut, SessionOut

pytestmark = pytest.mark.gui


def session(day: int) -> SessionOut:
    return SessionOut(
        date=date(2020, 9, day),
        open=datetime(2020, 9, day, 13, 30, tzinfo=UTC),
        close=datetime(2020, 9, day, 20, 0, tzinfo=UTC),
        early_close=False,
    )


SESSIONS = [session(day) for day in (14, 15, 16, 17)]


class ListedOnTheSixteenth:
    """A client of an API that knows SNOW listed 2020-09-16: the 14th and 15th are
    unlisted, yet final coverage (an empty answer from before the listing was known)
    spans the whole week; the 17th is a gap."""

    def coverage(self, symbol: str, timeframe: str) -> list[CoverageOut]:
        start, end = SESSIONS[0].open, SESSIONS[2].close
        return [CoverageOut(start=start, end=end, status="final", source="polygon")]

    def gaps(self, symbol: str, timeframe: str, *args: Any, **kwargs: Any) -> list[GapOut]:
        def out(first: SessionOut, last: SessionOut, kind: str) -> GapOut:
            return GapOut.model_validate(
                {
                    "symbol": symbol,
                    "timeframe": timeframe,
                    "start": first.open,
                    "end": last.close,
                    "bars": 390,
                    "kind": kind,
                }
            )

        return [
            out(SESSIONS[0], SESSIONS[0], "unlisted"),
            out(SESSIONS[1], SESSIONS[1], "unlisted"),
            out(SESSIONS[3], SESSIONS[3], "gap"),
        ]


def test_unlisted_time_has_its_own_colour_and_wins_over_stale_coverage() -> None:
    client = cast(ChronoxClient, ListedOnTheSixteenth())
    ribbon = CoveragePresenter(client, "SNOW")
    ribbon.load(SESSIONS)
    shown = [ribbon.at(day.open + (day.close - day.open) / 2) for day in SESSIONS]
    assert [None if s is None else s.kind for s in shown] == [
        "unlisted",
        "unlisted",
        "final",
        "gap",
    ]
    assert "unlisted" in palette.RIBBON_KINDS
    others = {colour for kind, colour in palette.RIBBON.items() if kind != "unlisted"}
    assert palette.RIBBON["unlisted"] not in others | {palette.BACKGROUND}
