"""``/metrics`` stays a bounded set of series whatever clients send: a label never takes
a value from a request (a path, a method, a symbol) without a bound."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.test_api_live import samples

LATENCY = "chronox_http_request_duration_seconds_count"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    settings = Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}")
    with TestClient(create_app(Container(settings=settings))) as client:
        yield client


def _word(draw: random.Random, size: int = 8) -> str:
    return "".join(draw.choices(string.ascii_letters + string.digits, k=size))


def test_a_thousand_random_requests_leave_a_bounded_set_of_series(api: TestClient) -> None:
    draw = random.Random(18)
    paths = [
        lambda: f"/bars/{_word(draw, 4).upper()}",  # a template whatever the symbol
        lambda: f"/gaps/{_word(draw, 3).upper()}",
        lambda: f"/symbols/{_word(draw, 5).upper()}",
        lambda: f"/jobs/{_word(draw, 12)}",
        lambda: f"/{_word(draw)}/{_word(draw)}",  # no route at all
        lambda: f"/bars/{_word(draw)}%00;DROP",
    ]
    methods = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]
    for _ in range(1_000):
        method = draw.choice([*methods, _word(draw, 6).upper()])
        api.request(method, draw.choice(paths)())
    series = [labels for name, labels in samples(api) if name == LATENCY]
    labels = [dict(found) for found in series]
    assert {found["method"] for found in labels} <= METHODS
    routes = {found["route"] for found in labels}
    assert all(route.startswith("/") or route == "unmatched" for route in routes), routes
    assert not any(word in route for route in routes for word in ("%", ";")), routes
    # Six kinds of path, eight methods, a few statuses each: far below a thousand.
    assert len(series) <= 80, len(series)
