"""``GET /bars/{symbol}?format=parquet``: the range as one Parquet file of the export's
schema, on SQLite and PostgreSQL; a clear 4xx where the server has no pyarrow."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chronox_adapters.frames import BAR_SCHEMA
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli

RANGE = {"start": "2024-11-25", "end": "2024-11-26"}


@pytest.fixture
def api(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    assert cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-26").code == 0
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as client:
        yield client


def test_parquet_holds_the_same_bars_as_csv(api: TestClient) -> None:
    answer = api.get("/bars/SPY", params={**RANGE, "format": "parquet"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    assert 'filename="SPY-1m.parquet"' in answer.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(answer.content))
    assert table.schema.remove_metadata() == BAR_SCHEMA
    assert table.schema.metadata[b"chronox.demo"] == b"True"
    meta = pq.ParquetFile(io.BytesIO(answer.content)).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"

    csv = api.get("/bars/SPY", params={**RANGE, "format": "csv"}).text.splitlines()[1:]
    assert table.num_rows == len(csv) > 700
    closes = [float(line.split(",")[6]) for line in csv]
    assert table.column("close").to_pylist() == closes


def test_parquet_of_a_rolled_up_timeframe_says_so(api: TestClient) -> None:
    answer = api.get("/bars/SPY", params={**RANGE, "format": "parquet", "timeframe": "1h"})
    table = pq.read_table(io.BytesIO(answer.content))
    assert table.schema.metadata[b"chronox.derived_from"] == b"1m"
    pages = api.get("/bars/SPY", params={**RANGE, "timeframe": "1h", "limit": 1000}).json()
    assert table.num_rows == len(pages["bars"]) > 0


def test_parquet_takes_no_cursor_and_bad_input_stays_a_400(api: TestClient) -> None:
    cursor = api.get(
        "/bars/SPY", params={**RANGE, "format": "parquet", "cursor": "2024-11-25T15:00:00Z"}
    )
    assert cursor.status_code == 400 and "drop cursor" in cursor.json()["detail"]
    bad = api.get(
        "/bars/SPY", params={"start": "2024-11-26", "end": "2024-11-25", "format": "parquet"}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_range"


def test_without_pyarrow_parquet_is_a_clear_400(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a server installed without the research extra: importing pyarrow fails.
    for name in [
        m
        for m in sys.modules
        if m == "pyarrow" or m.startswith(("pyarrow.", "chronox_adapters.frames"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    answer = api.get("/bars/SPY", params={**RANGE, "format": "parquet"})
    assert answer.status_code == 400
    assert "pyarrow" in answer.json()["detail"] and "chronox[research]" in answer.json()["detail"]
    assert api.get("/bars/SPY", params={**RANGE, "format": "csv"}).status_code == 200
