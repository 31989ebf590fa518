"""A symbol not in the registry is one error, ``NotRegistered``, on every path that needs
the symbol registered: the same class from the domain's services, the same exit code and
line from the CLI, the same status and body from the API."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chronox_adapters.chronox_api.errors import answer_error
from chronox_adapters.memory.registry import MemoryRegistry
from chronox_domain.errors import NotRegistered
from chronox_domain.services import RegistryService
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import REDIS_URL, Cli


@pytest.fixture
def api(sqlite_cli: Cli) -> Iterator[TestClient]:
    with TestClient(create_app(Container(settings=Settings(store=sqlite_cli.store)))) as client:
        yield client


@pytest.mark.parametrize("call", ["get", "remove"])
def test_the_registry_service_refuses_an_unregistered_symbol_as_not_registered(
    call: str,
) -> None:
    service = RegistryService(MemoryRegistry())
    with pytest.raises(NotRegistered) as missing:
        getattr(service, call)("zzz")
    assert missing.value.symbol == "ZZZ"
    assert str(missing.value) == "ZZZ is not in the registry"


def test_the_cli_refuses_it_alike_in_backfill_and_registry_remove(sqlite_cli: Cli) -> None:
    backfill = sqlite_cli("backfill", "ZZZ")
    remove = sqlite_cli("registry", "remove", "ZZZ")
    assert backfill.code == remove.code == 2
    assert (
        backfill.err.strip().splitlines()
        == remove.err.strip().splitlines()
        == ["error: ZZZ is not in the registry (add it with: chronox-cli registry add ZZZ)"]
    )


def test_the_api_refuses_it_alike_on_every_symbol_route(api: TestClient) -> None:
    answers = [api.get("/symbols/ZZZ"), api.delete("/symbols/ZZZ")]
    assert [answer.status_code for answer in answers] == [404, 404]
    assert [answer.json() for answer in answers] == 2 * [
        {
            "error": "not_found",
            "detail": 'ZZZ is not in the registry (add it with POST /symbols {"symbol": "ZZZ"})',
        }
    ]


def test_several_unregistered_symbols_are_all_named_in_one_error() -> None:
    missing = NotRegistered("YYY", "ZZZ")
    assert str(missing) == "YYY, ZZZ are not in the registry"
    assert missing.symbols == ("YYY", "ZZZ") and missing.symbol == "YYY"
    again = pickle.loads(pickle.dumps(missing))  # a worker's error crosses processes
    assert type(again) is NotRegistered and str(again) == str(missing)
    assert again.symbols == ("YYY", "ZZZ")


def test_a_backfill_of_several_unregistered_symbols_names_them_all(
    api: TestClient, sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the first was named: fixing it showed the next, one round trip at a time.
    sqlite_cli("registry", "add", "SPY")
    answer = api.post("/backfill", json={"symbols": ["ZZZ", "SPY", "YYY"]})
    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("YYY, ZZZ are not in the registry (add each")
    client_error = answer_error(answer)
    assert isinstance(client_error, NotRegistered) and client_error.symbols == ("YYY", "ZZZ")
    direct = sqlite_cli("backfill", "ZZZ", "SPY", "YYY")
    monkeypatch.setenv("CHRONOX_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CHRONOX_REDIS_PREFIX", f"chronox-test-{uuid.uuid4().hex[:8]}:")
    queued = sqlite_cli("backfill", "--enqueue", "ZZZ", "SPY", "YYY")
    for result in (direct, queued):
        assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
        assert result.err.startswith("error: YYY, ZZZ are not in the registry (add each with")
