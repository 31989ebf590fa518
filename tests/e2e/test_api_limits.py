"""Bounded resources and input refused up front: backfill size and range, pages of
``/symbols`` and ``/jobs``, a bar cursor outside its range, and ``replay`` on the feed.

TestClient against ``create_app`` on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from chronox_domain.jobs import JobSpec
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

_ENVIRONMENT = (
    "CHRONOX_STORE",
    "CHRONOX_SOURCE",
    "CHRONOX_REDIS_URL",
    "CHRONOX_API_TOKEN",
    "CHRONOX_API_MAX_BACKFILL_SYMBOLS",
    "POLYGON_API_KEY",
    "MASSIVE_API_KEY",
)


def _accept_job(
    spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> dict[str, int]:
    return {}


@pytest.fixture
def container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """A container over SQLite whose jobs finish at once (nothing is fetched)."""
    monkeypatch.chdir(tmp_path)
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    found = Container(settings=Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    found.job_runner.override(providers.Object(_accept_job))
    yield found


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as client:
        yield client


# -- POST /backfill --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"start": "2024-12-03", "end": "2024-11-25"},
        {"start": "2024-11-26T15:00:00Z", "end": "2024-11-26T14:00:00Z"},
        {"start": "0001-01-01"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"end": "9999-12-31"},
        {"start": "2024-11-23", "end": "2024-11-24"},  # a weekend: no session at all
    ],
)
def test_a_backfill_over_an_impossible_range_is_a_400_up_front(
    api: TestClient, body: dict[str, str]
) -> None:
    answer = api.post("/backfill", json={"symbols": ["SPY"], **body})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_range"
    assert api.get("/jobs").json()["jobs"] == []  # nothing was queued


def register(api: TestClient, *symbols: str) -> None:
    """Backfill takes only registry symbols."""
    for symbol in symbols:
        assert api.post("/symbols", json={"symbol": symbol}).status_code == 201


def test_a_backfill_over_a_real_range_is_queued(api: TestClient) -> None:
    register(api, "SPY")
    answer = api.post("/backfill", json={"symbols": ["SPY"], "start": "2024-11-25"})
    assert answer.status_code == 202 and len(answer.json()) == 1


def test_a_backfill_names_at_most_the_configured_number_of_symbols(
    tmp_path: Path, container: Container
) -> None:
    symbols = [f"S{n:03d}" for n in range(101)]
    with TestClient(create_app(container)) as api:
        register(api, *symbols[:100])
        answer = api.post("/backfill", json={"symbols": symbols})
        assert answer.status_code == 400 and "at most 100" in answer.json()["detail"]
        assert api.post("/backfill", json={"symbols": symbols[:100]}).status_code == 202
    settings = Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}", api_max_backfill_symbols=2)
    smaller = Container(settings=settings)
    smaller.job_runner.override(providers.Object(_accept_job))
    with TestClient(create_app(smaller)) as api:
        register(api, "A", "B")
        assert api.post("/backfill", json={"symbols": ["A", "B", "C"]}).status_code == 400
        assert api.post("/backfill", json={"symbols": ["A", "B"]}).status_code == 202


# -- pages of lists --------------------------------------------------------------------


def test_symbols_come_in_pages(api: TestClient) -> None:
    names = ["AAPL", "BRK.B", "BRKA", "MSFT", "QQQ", "SPY", "TSLA"]
    for name in reversed(names):
        assert api.post("/symbols", json={"symbol": name}).status_code == 201
    first = api.get("/symbols", params={"limit": 3}).json()
    assert [s["symbol"] for s in first["symbols"]] == names[:3]
    assert first["next_cursor"] == "MSFT"
    api.delete("/symbols/MSFT")  # the cursor's own entry may go: nothing is lost
    second = api.get("/symbols", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [s["symbol"] for s in second["symbols"]] == ["QQQ", "SPY", "TSLA"]
    assert second["next_cursor"] is None
    whole = api.get("/symbols").json()
    assert len(whole["symbols"]) == 6 and whole["next_cursor"] is None


def test_jobs_come_in_pages_newest_first(api: TestClient) -> None:
    register(api, *(f"S{n}" for n in range(5)))
    queued = [api.post("/backfill", json={"symbols": [f"S{n}"]}).json()[0]["id"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/jobs", params=params).json()
        assert len(page["jobs"]) <= 2
        seen += [job["id"] for job in page["jobs"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == list(reversed(queued))


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/jobs", {"limit": 0}, 422),
        ("/jobs", {"limit": 1001}, 422),
        ("/symbols", {"limit": 1001}, 422),
        ("/jobs", {"cursor": "0" * 32}, 400),
        ("/jobs", {"cursor": "../x"}, 422),
    ],
)
def test_page_parameters_are_bounded(
    api: TestClient, path: str, params: dict[str, object], status: int
) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == status and answer.json()["detail"]


# -- bar cursors -----------------------------------------------------------------------


@pytest.fixture
def with_bars(container: Container) -> Container:
    container.registry_service().add("SPY")
    container.pipeline().backfill(["SPY"], date(2024, 11, 25), date(2024, 11, 26))
    return container


@pytest.mark.parametrize(
    "cursor",
    [
        "2024-11-22T14:30:00Z",  # before start: it would read before the asked range
        "2024-11-27T15:00:00Z",  # past the end
        "2024-11-25",  # a date: never a next_cursor
    ],
)
@pytest.mark.parametrize("format", ["json", "csv"])
def test_a_bar_cursor_outside_the_range_is_a_400(
    with_bars: Container, cursor: str, format: str
) -> None:
    with TestClient(create_app(with_bars)) as api:
        params = {"start": "2024-11-25", "end": "2024-11-26", "cursor": cursor, "format": format}
        answer = api.get("/bars/SPY", params=params)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_range"
        assert "outside the asked range" in answer.json()["detail"]


def test_bar_pages_follow_their_cursor_to_the_end_of_the_range(with_bars: Container) -> None:
    with TestClient(create_app(with_bars)) as api:
        bounds = {"start": "2024-11-25", "end": "2024-11-25"}
        first = api.get("/bars/SPY", params={**bounds, "limit": 300}).json()
        rest = api.get("/bars/SPY", params={**bounds, "cursor": first["next_cursor"]}).json()
        whole = api.get("/bars/SPY", params={**bounds, "limit": 5000}).json()
        starts = [bar["start"] for bar in first["bars"] + rest["bars"]]
        assert starts == [bar["start"] for bar in whole["bars"]] and len(starts) > 300
        assert rest["next_cursor"] is None
        assert all(start.startswith("2024-11-25") for start in starts)


# -- replay on the live feed -----------------------------------------------------------


@pytest.mark.parametrize(
    "replay",
    ["²", "\u0661", "1001", "0x10", "1e3", " 5", "9" * 5000],
    ids=["superscript-two", "arabic-indic-one", "1001", "hex", "exponent", "blank", "5000-digits"],
)
def test_a_replay_that_is_not_ascii_digits_in_bounds_is_an_error_frame_and_1008(
    api: TestClient, replay: str
) -> None:
    with api.websocket_connect("/ws/bars", params={"symbols": "SPY", "replay": replay}) as ws:
        frame = ws.receive_json()
        assert frame["error"] == "invalid_input" and "replay must be" in frame["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1008


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_job_id_past_any_the_queues_make_is_refused_not_echoed(
    api: TestClient, method: str
) -> None:
    # A 10,000-character id was looked up and echoed back whole in the 404.
    answer = api.request(method, "/jobs/" + "x" * 10_000)
    assert 400 <= answer.status_code < 500 and answer.status_code != 404, answer.status_code
    assert len(answer.content) < 2_000


def test_a_subscription_names_at_most_the_configured_number_of_symbols(
    tmp_path: Path, container: Container
) -> None:
    # Only the request line's length bounded it: thousands of symbols, one subscription.
    symbols = ",".join(f"S{n:03d}" for n in range(101))
    with (
        TestClient(create_app(container)) as api,
        api.websocket_connect("/ws/bars", params={"symbols": symbols}) as ws,
    ):
        frame = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert frame["error"] == "invalid_input" and "at most 100" in frame["detail"]
    assert len(frame["detail"].splitlines()) == 1 and closed.value.code == 1008
    settings = Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}", max_watch_symbols=2)
    with (
        TestClient(create_app(Container(settings=settings))) as api,
        api.websocket_connect("/ws/bars", params={"symbols": "A,B,C"}) as ws,
    ):
        assert "at most 2" in ws.receive_json()["detail"]
