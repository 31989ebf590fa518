"""``ChronoxClient.coverage_matrix`` against a real ``create_app`` served by uvicorn on
loopback (SQLite): the answer parsed back into ``CoverageMatrixOut`` is the JSON the
route sent, and refusals come back as the domain's errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_presentation import CoverageMatrixOut
from tests.integration.test_api_client import DAY, Served, finished

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("matrix") / "api.sqlite3", api_token=None)
    with ChronoxClient(ChronoxApiConfig(server.url)) as client:
        for symbol in ("SPY", "SPXL", "QQQ"):
            client.add_symbol(symbol)
        (job,) = client.backfill(["SPY"], DAY, DAY)
        assert finished(client, job).state == "succeeded"
    yield server
    server.stop()


@pytest.fixture
def client(served: Served) -> Iterator[ChronoxClient]:
    with ChronoxClient(ChronoxApiConfig(served.url)) as found:
        yield found


def test_the_matrix_round_trips(client: ChronoxClient, served: Served) -> None:
    matrix = client.coverage_matrix("1m", start=date(2024, 11, 22), end="2024-11-26")
    assert isinstance(matrix, CoverageMatrixOut)
    sent = httpx.get(
        f"{served.url}/coverage/matrix",
        params={"timeframe": "1m", "start": "2024-11-22", "end": "2024-11-26"},
    ).json()
    assert matrix.model_dump(mode="json") == sent
    assert matrix.days == [date(2024, 11, 22), date(2024, 11, 25), date(2024, 11, 26)]
    assert [row.symbol for row in matrix.rows] == ["QQQ", "SPXL", "SPY"]
    spy = matrix.rows[-1]
    # The 25th backfilled (synthetic minutes: a few holes), the days around it gaps.
    assert [matrix.states[int(code)] for code in spy.codes] == ["gap", "hole", "gap"]
    assert spy.percent == [0, 100, 0] and spy.complete == 33.3
    assert matrix.demo is True and matrix.session == "rth" and matrix.timeframe == "1m"


def test_prefix_and_recent_sessions(client: ChronoxClient) -> None:
    only = client.coverage_matrix(prefix="sp", sessions=5, session="eth")
    assert [row.symbol for row in only.rows] == ["SPXL", "SPY"]
    assert len(only.days) == 5 and only.session == "eth"


def test_refusals_come_back_as_domain_errors(client: ChronoxClient) -> None:
    with pytest.raises(InvalidRange, match="at most 260"):
        client.coverage_matrix(start="2023-01-02", end="2024-06-28")
    with pytest.raises(InvalidInput, match="sessions"):
        client.coverage_matrix(sessions=261)
