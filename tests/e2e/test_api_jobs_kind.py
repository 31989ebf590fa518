"""A job says what it is: ``kind`` (a symbol's backfill, or one session's day file) and
the day file's ``timeframe``, in ``/jobs`` and ``/jobs/{id}`` (the dashboard's jobs view
shows them), parsed back by the typed client, and read from an API that predates them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from dependency_injector import providers

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.jobs import JobSpec
from chronox_entrypoints.cli.embedded import serving
from chronox_entrypoints.container import Container
from chronox_presentation import JobOut
from tests.conftest import hermetic_settings

DAY = date(2024, 11, 25)


def _finish_at_once(
    spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> dict[str, int]:
    """A job runner that does nothing: this file is about how a job is shown (a day file
    job would otherwise ask an S3 endpoint for its file)."""
    return {}


@pytest.fixture
def served() -> Iterator[tuple[Container, ChronoxClient]]:
    container = Container(settings=hermetic_settings(store="memory://"))
    container.job_runner.override(providers.Object(_finish_at_once))
    container.registry_service().add("SPY")
    with serving(container) as base, ChronoxClient(ChronoxApiConfig(base_url=base)) as client:
        yield container, client


def test_the_client_reads_each_jobs_kind_and_timeframe(
    served: tuple[Container, ChronoxClient],
) -> None:
    container, client = served
    (backfill,) = client.backfill(["SPY"], DAY, DAY)
    assert (backfill.kind, backfill.timeframe) == ("backfill", None)
    (day_file,) = container.jobs().enqueue_day_files(["SPY"], DAY, DAY)
    shown = {job.id: (job.kind, job.timeframe) for job in client.all_jobs()}
    assert shown == {backfill.id: ("backfill", None), day_file.id: ("day_file", "1m")}
    assert (client.job(day_file.id).kind, client.job(day_file.id).timeframe) == ("day_file", "1m")


def test_a_job_from_an_api_without_the_fields_is_a_backfill() -> None:
    older = (
        '{"id": "j1", "state": "queued", "symbols": ["SPY"], "done": 0, "total": 1,'
        ' "counts": {}, "error": null, "worker": null, "attempts": 0}'
    )
    job = JobOut.model_validate_json(older)
    assert (job.kind, job.timeframe) == ("backfill", None)
