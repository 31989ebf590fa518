"""The jobs presenter against a real API: rows with state, progress and counts, and
Cancel cancelling a job the queue is running."""

from __future__ import annotations

import pytest

from chronox_adapters.chronox_api import ChronoxClient
from chronox_entrypoints.gui.presenters import JobsPresenter
from chronox_entrypoints.gui.presenters.jobs import eta
from tests.gui.conftest import MONDAY, wait_for_job

pytestmark = pytest.mark.gui


def test_a_finished_job_shows_its_progress_and_counts(client: ChronoxClient) -> None:
    (job,) = client.backfill(["SPY"], MONDAY, MONDAY)  # stored already: nothing to fetch
    wait_for_job(client, job)
    rows = JobsPresenter(client).refresh()
    row = next(row for row in rows if row.id == job.id)
    assert row.state == "succeeded" and not row.cancellable and row.symbols == "SPY"
    assert row.error == "" and row.eta == ""
    assert rows[0].id == job.id  # newest first


def test_cancel_cancels_a_long_backfill(client: ChronoxClient) -> None:
    client.add_symbol("IWM")
    (job,) = client.backfill(["IWM"], "2020-01-02", "2023-12-29")  # years of minutes
    jobs = JobsPresenter(client)
    row = next(row for row in jobs.refresh() if row.id == job.id)
    assert row.cancellable
    cancelled = jobs.cancel(job.id)
    assert cancelled.id == job.id
    assert wait_for_job(client, job).state == "cancelled"
    assert next(r for r in jobs.refresh() if r.id == job.id).state == "cancelled"


def test_the_eta_follows_the_rate_of_progress() -> None:
    assert eta(total=10, done=4, progressed=2, elapsed=20.0) == "1 min 00 s"
    assert eta(total=10, done=9, progressed=3, elapsed=6.0) == "2 s"
    assert eta(total=1000, done=10, progressed=1, elapsed=10.0) == "2 h 45 min"
    assert eta(total=10, done=4, progressed=0, elapsed=20.0) == "…"
