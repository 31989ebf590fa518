"""The REST API against its own OpenAPI document, with schemathesis.

Every operation is called with generated input, valid and invalid, and every answer is
checked by schemathesis' default checks: no server error, and a status, content type,
body and headers that ``/openapi.json`` declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from dependency_injector import providers
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from chronox_domain.jobs import JobSpec
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

_ENVIRONMENT = (
    "CHRONOX_STORE",
    "CHRONOX_SOURCE",
    "CHRONOX_REDIS_URL",
    "CHRONOX_API_TOKEN",
    "POLYGON_API_KEY",
    "MASSIVE_API_KEY",
)


#: A well-formed range can still be refused (400 invalid_range): a day that does not
#: exist (2024-02-30), an end before the start, a day outside the exchange calendar, a
#: coverage matrix of more than 260 sessions. No JSON Schema can say so, so a 400 is an
#: acceptable answer to generated valid input there.
#: So is it for a well-formed cursor no page handed out: a bar time outside the range, a
#: job id that is not (or no longer) in the list. And for a body of registry entries
#: that names one symbol twice with different settings (``PATCH /symbols``).
_VALID_RANGE_ANSWERS = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

#: A fixed seed (and derandomized examples below): CI sends the same requests every run.
_CONFIG = {
    "seed": 6,
    "operations": [
        {
            "include-path-regex": (
                "^/(bars|gaps|sessions|backfill|jobs$|symbols$|coverage/[^/]+/summary"
                "|coverage/matrix)"
            ),
            "checks": {"positive_data_acceptance": {"expected-statuses": _VALID_RANGE_ANSWERS}},
        }
    ],
}


def _accept_job(
    spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> dict[str, int]:
    """A job runner (the ``JobRunner`` port) that finishes at once.

    ``POST /backfill`` takes any range, and the real runner would generate minute bars
    for decades of generated dates. This file checks the HTTP contract; backfills
    themselves are run for real in test_api.py and the job-queue tests.
    """
    return {}


@pytest.fixture
def api_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BaseSchema]:
    """The API over a SQLite store holding SPY's bars for two sessions."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    container = Container(settings=Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    container.registry_service().add("SPY")
    container.pipeline().backfill(["SPY"], date(2024, 11, 25), date(2024, 11, 26))
    container.job_runner.override(providers.Object(_accept_job))
    config = SchemathesisConfig.from_dict(_CONFIG)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(container), config=config)
    container.shutdown_resources()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Case) -> None:
    case.call_and_validate()
