"""The vendor's REST source has a total deadline per request (``total_timeout``), not
only per read: against a real server on loopback that answers a byte at a time, or
never, a request is abandoned within it (each attempt, retries included) and the
window fails as one ``SourceUnavailable`` line. urllib3's own ``total`` bounds only the
connect and the first read: every byte starts its read timeout again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
from chronox_domain import Interval, SourceUnavailable, Timeframe
from tests.slow_server import slow_server, timed

pytestmark = pytest.mark.integration

KEY = "pk-test-SECRET-0123456789"
WINDOW = Interval(
    datetime(2024, 11, 26, 14, 30, tzinfo=UTC), datetime(2024, 11, 26, 21, tzinfo=UTC)
)
TOTAL = 1.5


def fetch_within(url: str, retries: int, patience: float) -> tuple[Exception | None, float]:
    """The fetch's error and duration; fails the test if it is still running after
    ``patience`` seconds (the thread is left behind: it is a daemon)."""
    config = PolygonConfig(
        api_key=KEY,
        base_url=url,
        read_timeout=10.0,
        total_timeout=TOTAL,
        max_retries=retries,
        backoff_base=0.0,
        backoff_cap=0.0,
    )
    rest = PolygonRestSource(config, sleep=lambda _: None)
    outcome: list[tuple[Exception | None, float]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(timed(lambda: rest.fetch("SPY", Timeframe.M1, WINDOW))),
        daemon=True,
    )
    worker.start()
    worker.join(patience)
    assert outcome, f"the request was still waiting after {patience:g} s"
    return outcome[0]


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-head", "silent"])
def test_a_request_is_abandoned_within_its_total_deadline(mode: str) -> None:
    with slow_server(mode, every=0.2) as url:
        error, took = fetch_within(url, retries=1, patience=4 * TOTAL + 2)
    assert isinstance(error, SourceUnavailable), error
    assert 2 * TOTAL - 0.2 <= took < 2 * TOTAL + 1.5, took  # two attempts, each cut
    text = str(error)
    assert "\n" not in text and "failed after 2 attempts" in text, text
    assert KEY not in text
