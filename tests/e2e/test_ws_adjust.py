"""``/ws/bars?adjust=``: the replay read on the asked basis, live bars as traded, every
frame naming its basis, a basis that changes under the socket ending it (issue 19,
item 3), through the API and through the typed client against a served API.

AAPL's splits as the vendor lists them: 2005-02-28 2-for-1, 2014-06-09 7-for-1,
2020-08-31 4-for-1. AAPL's 2005-01-03 as traded (open 64.78, high 65.11, low 62.60,
close 63.29) and Yahoo Finance's split-adjusted history of that day, to its six
decimals (1.156786, 1.162679, 1.117857, 1.130179): a factor of 56 (as
tests/e2e/test_adjust_on_read.py and tests/unit/test_adjust.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.actions import AdjustmentType, CorporateActions, StockSplit
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan, CoverageStatus
from chronox_domain.errors import BasisChanged, InvalidInput
from chronox_domain.interval import Interval
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from tests.conftest import hermetic_settings
from tests.integration.test_api_client import Served

DAY = date(2005, 1, 3)
RAW = (64.78, 65.11, 62.60, 63.29)
VOLUME = 24_714_000.0
YAHOO = (1.156786, 1.162679, 1.117857, 1.130179)
#: A session after every split: the same on every basis.
LATER = date(2021, 3, 1)
LATER_RAW = (123.75, 127.93, 122.79, 127.79)
FETCHED = datetime(2026, 3, 2, 12, tzinfo=UTC)
FINAL = CoverageStatus.FINAL


def split(day: date, split_to: float) -> StockSplit:
    return StockSplit("AAPL", day, 1, split_to, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


SPLITS = (split(date(2005, 2, 28), 2), split(date(2014, 6, 9), 7), split(date(2020, 8, 31), 4))


def daily(day: date, prices: tuple[float, float, float, float], volume: float) -> Bar:
    return Bar("AAPL", Timeframe.D1, Timeframe.D1.daily_stamp(day), *prices, volume, None, None)


def store_aapl(container: Container) -> None:
    """AAPL's two sessions as traded, and its splits, in the container's store."""
    container.store()
    bars = [daily(DAY, RAW, VOLUME), daily(LATER, LATER_RAW, 115_000_000.0)]
    spans = [
        CoverageSpan(Interval(bar.start, bar.start + bar.timeframe.step), FINAL, "polygon")
        for bar in bars
    ]
    container.repository().write(BarBatch("AAPL", Timeframe.D1, bars, "polygon", None, spans))
    container.action_store().put_actions(CorporateActions("AAPL", SPLITS, fetched_at=FETCHED))


def aapl_store(path: Path) -> str:
    """A SQLite store holding :func:`store_aapl`'s AAPL; its URL."""
    url = f"sqlite:///{path}"
    container = Container(settings=hermetic_settings(store=url))
    store_aapl(container)
    container.shutdown_resources()
    return url


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    container = Container(settings=hermetic_settings(store=f"sqlite:///{tmp_path}/ws.sqlite3"))
    store_aapl(container)
    with TestClient(create_app(container)) as client:
        yield client, container


def prices(frame: dict) -> tuple[float, ...]:  # type: ignore[type-arg]
    return tuple(round(frame[name], 6) for name in ("open", "high", "low", "close"))


def test_the_replay_is_read_on_the_basis_asked(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    replays = {}
    for adjust in ("none", "splits", "all", None):
        query = "symbols=AAPL&timeframe=1d&replay=2" + (f"&adjust={adjust}" if adjust else "")
        with client.websocket_connect(f"/ws/bars?{query}") as ws:
            replays[adjust] = [ws.receive_json() for _ in range(2)]
    raw, split_basis = replays["none"], replays["splits"]
    assert prices(raw[0]) == RAW and raw[0]["volume"] == VOLUME
    assert prices(split_basis[0]) == YAHOO and split_basis[0]["volume"] == VOLUME * 56
    assert prices(raw[1]) == prices(split_basis[1]) == LATER_RAW  # after every split
    assert replays[None] == split_basis  # splits unless told
    assert replays["all"][0]["close"] == pytest.approx(YAHOO[3], abs=1e-6)  # no dividends
    for adjust, frames in replays.items():
        assert {frame["adjust"] for frame in frames} == {adjust or "splits"}
        assert {frame["source"] for frame in frames} == {"polygon"}
    # The same numbers as GET /bars on that basis.
    page = client.get("/bars/AAPL", params={"timeframe": "1d", "start": "2005-01-03",
                                            "end": "2005-01-03"}).json()  # fmt: skip
    assert prices(page["bars"][0]) == YAHOO and page["adjust"] == "splits"


def test_live_bars_arrive_as_traded_on_the_basis_and_a_new_split_ends_the_socket(
    api: tuple[TestClient, Container],
) -> None:
    client, container = api
    today = datetime.now(UTC).date()
    live = daily(today, (200.0, 201.0, 199.0, 200.5), 1_000.0)
    with client.websocket_connect("/ws/bars?symbols=AAPL&timeframe=1d&replay=1") as ws:
        assert prices(ws.receive_json()) == LATER_RAW
        container.publisher().publish(BarBatch("AAPL", Timeframe.D1, [live], "polygon", None))
        frame = ws.receive_json()
        assert prices(frame) == (200.0, 201.0, 199.0, 200.5) and frame["adjust"] == "splits"
        # A 2-for-1 synced, executing tomorrow; tomorrow's first bar arrives: the bars
        # sent before it are stale on this basis.
        tomorrow = today + timedelta(days=1)
        actions = CorporateActions("AAPL", (*SPLITS, split(tomorrow, 2)), fetched_at=FETCHED)
        container.action_store().put_actions(actions)
        after = daily(tomorrow, (100.0, 101.0, 99.0, 100.5), 2_000.0)
        container.publisher().publish(BarBatch("AAPL", Timeframe.D1, [after], "polygon", None))
        error = ws.receive_json()
        assert error["error"] == "basis_changed" and str(tomorrow) in error["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4001


@pytest.mark.parametrize("adjust", ["raw", "SPLITS", "", "none,all"])
def test_a_bad_basis_is_an_error_frame_then_a_close(
    api: tuple[TestClient, Container], adjust: str
) -> None:
    client, _ = api
    with client.websocket_connect(f"/ws/bars?symbols=AAPL&adjust={adjust}") as ws:
        frame = ws.receive_json()
        assert frame["error"] == "invalid_input" and "price basis" in frame["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1008


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = tmp_path_factory.mktemp("ws-adjust") / "api.sqlite3"
    aapl_store(path)
    server = Served(path, api_token=None)
    yield server
    server.stop()


def test_the_client_subscribes_on_a_basis(served: Served) -> None:
    async def replayed(client: ChronoxClient, **basis: str) -> list:  # type: ignore[type-arg]
        stream = client.subscribe(["AAPL"], "1d", replay=2, **basis)
        try:
            return [await anext(stream) for _ in range(2)]
        finally:
            await stream.aclose()

    with ChronoxClient(ChronoxApiConfig(served.url)) as client:
        raw = asyncio.run(replayed(client, adjust="none"))
        split_basis = asyncio.run(replayed(client))
        with pytest.raises(InvalidInput, match="price basis"):
            asyncio.run(replayed(client, adjust="raw"))
    assert (raw[0].open, raw[0].close, raw[0].adjust) == (RAW[0], RAW[3], "none")
    assert round(split_basis[0].close, 6) == YAHOO[3] and split_basis[0].adjust == "splits"
    assert raw[0].close / split_basis[0].close == pytest.approx(56)
    assert BasisChanged.code == "basis_changed"  # what the client raises on that frame
