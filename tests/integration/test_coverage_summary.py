"""``GET /coverage/{symbol}/summary`` (the monitor's coverage % per symbol) and the
client's ``coverage_summary``, against a real ``create_app`` on SQLite served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidRange
from tests.integration.test_api_client import Served, finished

pytestmark = pytest.mark.integration

#: Three full regular sessions (Thanksgiving week, before the holiday): 390 slots each.
MONDAY, TUESDAY, WEDNESDAY = "2024-11-25", "2024-11-26", "2024-11-27"
SESSION_SLOTS = 390


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChronoxClient]:
    server = Served(tmp_path_factory.mktemp("summary") / "api.sqlite3", api_token=None)
    with ChronoxClient(ChronoxApiConfig(server.url)) as found:
        found.add_symbol("SPY")
        (job,) = found.backfill(["SPY"], MONDAY, TUESDAY)  # Wednesday stays a gap
        assert finished(found, job).state == "succeeded"
        yield found
    server.stop()


def test_the_summary_counts_final_and_missing_slots(client: ChronoxClient) -> None:
    summary = client.coverage_summary("SPY", "1m", MONDAY, WEDNESDAY)
    assert summary.expected == 3 * SESSION_SLOTS
    assert summary.final == 2 * SESSION_SLOTS and summary.missing == SESSION_SLOTS
    assert summary.provisional == summary.unconfirmed == 0
    assert summary.percent == pytest.approx(200 / 3, abs=0.001)


def test_a_fully_backfilled_range_is_one_hundred_percent(client: ChronoxClient) -> None:
    summary = client.coverage_summary("SPY", "1m", MONDAY, TUESDAY)
    assert (summary.expected, summary.final, summary.percent) == (780, 780, 100.0)


def test_another_timeframe_counts_its_own_slots(client: ChronoxClient) -> None:
    summary = client.coverage_summary("SPY", "1d", MONDAY, WEDNESDAY)
    assert summary.expected == 3 and summary.missing == 3 and summary.percent == 0.0


def test_a_symbol_never_fetched_is_all_missing(client: ChronoxClient) -> None:
    summary = client.coverage_summary("QQQ", "1m", MONDAY, MONDAY, session="eth")
    assert summary.expected == 16 * 60 and summary.missing == summary.expected


def test_a_future_range_expects_nothing(client: ChronoxClient) -> None:
    summary = client.coverage_summary("SPY", "1m", "2035-01-02", "2035-01-03")
    assert summary.expected == 0 and summary.percent is None and summary.end == summary.start


def test_bad_input_is_a_4xx_with_one_line(client: ChronoxClient) -> None:
    with pytest.raises(InvalidRange):
        client.coverage_summary("SPY", "1m", WEDNESDAY, MONDAY)
    answer = httpx.get(f"{client.config.base_url}/coverage/spy!/summary")
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_request"
