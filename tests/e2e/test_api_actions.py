"""``GET /actions/{symbol}`` and ``POST /actions/sync`` over real HTTP (uvicorn on
loopback) with the vendor source against the Polygon stub; the typed client, the CLI and
the notebook show the same content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import ActionsNotSynced, InvalidInput, Unauthorized
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.notebook import connect
from chronox_presentation import action_rows
from tests.conftest import hermetic_settings
from tests.e2e.conftest import Cli
from tests.integration.test_api_client import Served
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import documented

KEY = "pk-api-actions-SECRET-44e0"
TOKEN = "tok-actions-SECRET-9d2f"


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> PolygonStub:
    stub.reference = documented()
    stub.known_tickers = None
    stub.reference_faults.clear()
    stub.reset_log()
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "CHRONOX_REDIS_URL", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    return stub


@pytest.fixture
def served(vendor: PolygonStub, tmp_path: Path) -> Iterator[Served]:
    """The API on SQLite with the vendor source, a token and at most 3 symbols a sync."""
    server = Served(
        tmp_path / "api.sqlite3",
        source="polygon",
        api_token=TOKEN,
        api_auth_reads=False,
        api_max_backfill_symbols=3,
    )
    yield server
    server.stop()


@pytest.fixture
def client(served: Served) -> Iterator[ChronoxClient]:
    with ChronoxClient(ChronoxApiConfig(served.url, token=TOKEN)) as found:
        yield found


def test_api_client_cli_and_notebook_show_the_same_actions(
    served: Served,
    client: ChronoxClient,
    vendor: PolygonStub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    synced = client.sync_actions(["AAPL", "META", "SNOW"])
    assert (synced.source, synced.has_actions) == ("polygon", True)
    assert synced.fetched == ["AAPL", "META", "SNOW"] and synced.unknown == []
    answer = httpx.get(f"{served.url}/actions/AAPL")  # reads are open on this server
    assert answer.status_code == 200
    body = answer.json()
    assert [(s["execution_date"], s["split_to"]) for s in body["splits"]] == [
        ("2005-02-28", 2),
        ("2014-06-09", 7),
        ("2020-08-31", 4),
    ]
    typed = client.actions("AAPL")
    assert typed.model_dump(mode="json") == body
    store = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    shown = Cli(capsys, store)("actions", "AAPL", "--json")
    assert shown.code == 0, shown.err
    assert shown.json() == body
    meta = client.actions("META")
    assert [(c.old_ticker, c.new_ticker, str(c.effective)) for c in meta.ticker_changes] == [
        ("FB", "META", "2022-06-09")
    ]
    with connect(store) as cx:
        frame = cx.actions("AAPL")
    rows = action_rows(typed)
    assert list(frame["kind"]) == [row["kind"] for row in rows]
    assert [day.date() for day in frame["date"]] == [row["date"] for row in rows]
    splits = frame[frame["kind"] == "split"]
    assert list(zip(splits["split_from"], splits["split_to"], strict=True)) == [
        (1.0, 2.0),
        (1.0, 7.0),
        (1.0, 4.0),
    ]
    assert list(splits["adjustment_type"]) == ["forward_split"] * 3
    dividends = frame[frame["kind"] == "dividend"]
    assert list(dividends["cash_amount"]) == [0.22, 0.22]
    assert frame.attrs["symbol"] == "AAPL"
    assert frame.attrs["fetched_at"].to_pydatetime() == typed.fetched_at


def test_a_sync_the_same_day_asks_the_vendor_once_unless_forced(
    client: ChronoxClient, vendor: PolygonStub
) -> None:
    assert client.sync_actions(["SNOW"]).fetched == ["SNOW"]
    asked = len(vendor.reference_requests())
    assert asked == 4
    assert client.sync_actions(["SNOW"]).fresh == ["SNOW"]
    assert len(vendor.reference_requests()) == asked
    assert client.sync_actions(["SNOW"], force=True).fetched == ["SNOW"]
    assert len(vendor.reference_requests()) == 2 * asked
    assert str(client.actions("SNOW").listing.listed) == "2020-09-16"  # type: ignore[union-attr]


def test_an_unknown_ticker_is_in_the_answer_and_the_others_are_synced(
    client: ChronoxClient, vendor: PolygonStub
) -> None:
    vendor.known_tickers = {"TWTR"}
    synced = client.sync_actions(["ZZZZ", "TWTR"])
    assert synced.unknown == ["ZZZZ"] and synced.fetched == ["TWTR"]
    listing = client.actions("TWTR").listing
    assert listing is not None and (str(listing.delisted), listing.active) == ("2022-10-28", False)


def test_never_synced_is_a_404_that_says_how_to_sync(served: Served, client: ChronoxClient) -> None:
    answer = httpx.get(f"{served.url}/actions/AAPL")
    assert answer.status_code == 404
    assert answer.json() == {
        "error": "not_found",
        "detail": "the corporate actions of AAPL were never synced "
        '(sync them with POST /actions/sync {"symbols": ["AAPL"]})',
    }
    with pytest.raises(ActionsNotSynced) as missing:
        client.actions("AAPL")
    assert missing.value.symbol == "AAPL"


def test_a_sync_needs_the_token_and_keeps_to_the_symbol_cap(
    served: Served, vendor: PolygonStub
) -> None:
    anonymous = httpx.post(f"{served.url}/actions/sync", json={"symbols": ["AAPL"]})
    assert anonymous.status_code == 401
    with ChronoxClient(ChronoxApiConfig(served.url)) as client, pytest.raises(Unauthorized):
        client.sync_actions(["AAPL"])
    capped = r"^4 symbols in one sync; at most 3 at once$"
    with (
        ChronoxClient(ChronoxApiConfig(served.url, token=TOKEN)) as client,
        pytest.raises(InvalidInput, match=capped),
    ):
        client.sync_actions(["AAPL", "GE", "META", "SNOW"])
    assert vendor.requests == []  # nothing asked of the vendor


def test_the_synthetic_source_answers_that_it_has_none(tmp_path: Path, stub: PolygonStub) -> None:
    stub.reset_log()
    settings = hermetic_settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}")
    with TestClient(create_app(Container(settings=settings))) as api:
        answer = api.post("/actions/sync", json={"symbols": ["AAPL"]})
        assert answer.status_code == 200
        assert answer.json() == {
            "source": "synthetic",
            "has_actions": False,
            "fetched": [],
            "fresh": [],
            "unknown": [],
            "failed": [],
            "skipped": [],
        }
        assert api.get("/actions/AAPL").status_code == 404  # nothing stored
        # /actions/sync is the sync's (POST) only, as documented; ticker SYNC is /SYNC.
        wrong = api.get("/actions/sync")
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
        assert api.get("/actions/SYNC").status_code == 404
    assert stub.requests == []
