"""The API client's total deadline per call, against real slow servers on loopback:
an answer that trickles in (its read timeout starts again at every byte) or never
comes fails within the deadline, as one line of ``SourceUnavailable``."""

from __future__ import annotations

import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import SourceUnavailable
from tests.slow_server import slow_server, timed

pytestmark = pytest.mark.integration

DEADLINE = 1.5


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-head", "silent"])
def test_a_call_fails_within_its_deadline(mode: str) -> None:
    with slow_server(mode, every=0.2) as url:
        config = ChronoxApiConfig(url, read_timeout=10.0, deadline=DEADLINE)
        with ChronoxClient(config) as client:
            error, took = timed(client.health)
    assert isinstance(error, SourceUnavailable), error
    assert DEADLINE - 0.1 <= took < DEADLINE + 1.0, took
    text = str(error)
    assert "\n" not in text and url in text and f"within {DEADLINE:g} s" in text, text
    assert "GET /health" in text


def test_a_csv_stream_that_never_starts_fails_within_the_deadline() -> None:
    with slow_server("trickle-head", every=0.2) as url:
        config = ChronoxApiConfig(url, read_timeout=10.0, deadline=DEADLINE)
        with ChronoxClient(config) as client:
            error, took = timed(lambda: list(client.bars_csv("SPY")))
    assert isinstance(error, SourceUnavailable) and took < DEADLINE + 1.0, (error, took)


def test_the_client_still_works_after_a_late_call() -> None:
    with slow_server("silent") as url:
        config = ChronoxApiConfig(url, deadline=0.5)
        with ChronoxClient(config) as client:
            for _ in range(2):  # the loop is not left stuck by the cancelled call
                error, took = timed(client.info)
                assert isinstance(error, SourceUnavailable) and took < 1.5
