"""The coverage ribbon against a real API on SQLite: final where bars were fetched, a gap
where nobody fetched, and a backfill of a selected gap turns it final."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from chronox_adapters.chronox_api import ChronoxClient
from chronox_entrypoints.gui.presenters import CoveragePresenter, RibbonSegment
from tests.gui.conftest import wait_for_job

pytestmark = pytest.mark.gui

WEEK = (date(2024, 11, 25), date(2024, 11, 29))


def kinds_by_day(segments: list[RibbonSegment]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for segment in segments:
        found.setdefault(segment.start.date().isoformat(), set()).add(segment.kind)
    return found


def test_the_ribbon_shows_final_sessions_and_the_gap_between(client: ChronoxClient) -> None:
    sessions = client.sessions(*WEEK)
    ribbon = CoveragePresenter(client, "SPY")
    segments = ribbon.load(sessions)
    by_day = kinds_by_day(segments)
    assert "final" in by_day["2024-11-25"] and "final" in by_day["2024-11-29"]
    assert by_day["2024-11-27"] == {"gap"}
    (gap,) = [s for s in segments if s.kind == "gap"]
    assert (gap.start, gap.end) == (sessions[2].open, sessions[2].close)
    assert ribbon.at(gap.start) == gap and ribbon.at(sessions[0].open).kind in ("final", "hole")
    # Segments never overlap, and come sorted.
    assert all(a.end <= b.start for a, b in itertools.pairwise(segments))


def test_a_symbol_never_fetched_is_all_gap(client: ChronoxClient) -> None:
    sessions = client.sessions(*WEEK)
    segments = CoveragePresenter(client, "AAPL").load(sessions)
    assert {s.kind for s in segments} == {"gap"} and len(segments) == 4


def test_backfilling_a_selected_gap_turns_it_final(client: ChronoxClient) -> None:
    client.add_symbol("QQQ")
    sessions = client.sessions(date(2024, 11, 26), date(2024, 11, 26))
    ribbon = CoveragePresenter(client, "QQQ")
    (gap,) = ribbon.load(sessions)
    assert gap.kind == "gap"
    (job,) = ribbon.backfill(gap.start, gap.end)
    assert job.symbols == ["QQQ"] and wait_for_job(client, job).state == "succeeded"
    assert {s.kind for s in ribbon.load(sessions)} <= {"final", "hole"}
    assert ribbon.provisional() == []


def test_a_daily_ribbon_lays_whole_days(client: ChronoxClient) -> None:
    sessions = client.sessions(*WEEK)
    segments = CoveragePresenter(client, "AAPL", "1d").load(sessions)
    assert all(s.start.hour == 0 and s.kind == "gap" for s in segments)
