"""The API over a store that knows SNOW listed 2020-09-16 (issue 19, item 5):
``GET /gaps?holes=true`` lists the weeks before as ``unlisted`` (a 500 before the kind
existed in the response model), and the coverage summary expects only listed sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronox_adapters.sqlite import SqliteActionStore, SqliteDatabase
from chronox_domain.actions import CorporateActions, ListingPeriod
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from tests.conftest import hermetic_settings

FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
SEPTEMBER = "timeframe=1d&start=2020-09-01&end=2020-09-30"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    path = tmp_path / "store.sqlite3"
    database = SqliteDatabase(str(path))
    listing = ListingPeriod("SNOW", date(2020, 9, 16), None, True, FETCHED)
    SqliteActionStore(database).put_actions(
        CorporateActions("SNOW", listing=listing, fetched_at=FETCHED)
    )
    database.close()
    container = Container(settings=hermetic_settings(store=f"sqlite:///{path}"))
    with TestClient(create_app(container)) as client:
        yield client


def test_gaps_with_holes_list_the_unlisted_weeks(api: TestClient) -> None:
    answer = api.get(f"/gaps/SNOW?{SEPTEMBER}&holes=true")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    unlisted = [g for g in found if g["kind"] == "unlisted"]
    gaps = [g for g in found if g["kind"] == "gap"]
    assert unlisted[0]["start"] == "2020-09-01T00:00:00Z"
    assert unlisted[-1]["end"] == gaps[0]["start"] == "2020-09-16T00:00:00Z"
    assert sum(g["bars"] for g in unlisted) == 10  # Sep 1-15: 10 sessions (Labor Day off)
    plain = api.get(f"/gaps/SNOW?{SEPTEMBER}").json()
    assert plain == gaps
    summary = api.get(f"/coverage/SNOW/summary?{SEPTEMBER}").json()
    assert summary["expected"] == sum(g["bars"] for g in gaps) == 11  # Sep 16-30
    kinds = api.get("/openapi.json").json()["components"]["schemas"]["GapOut"]
    assert "unlisted" in kinds["properties"]["kind"]["enum"]
