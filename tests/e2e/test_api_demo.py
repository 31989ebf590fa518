"""Demo data says so in every answer that carries bars: the JSON page, the CSV stream,
the Parquet file, and the frames of ``/ws/bars``; real bars carry no such mark."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chronox_adapters.files.formats import read_bar_file
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.e2e.test_api_live import backfill

DAY = {"start": "2024-11-25", "end": "2024-11-25"}


@pytest.fixture
def api(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    assert cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25").code == 0
    with TestClient(create_app(Container(settings=Settings(store=cli.store)))) as client:
        yield client


def test_every_format_of_bars_marks_demo_data(api: TestClient) -> None:
    page = api.get("/bars/SPY", params=DAY)
    assert page.json()["demo"] is True and page.headers["x-chronox-demo"] == "synthetic"

    csv = api.get("/bars/SPY", params={**DAY, "format": "csv"})
    assert csv.headers["x-chronox-demo"] == "synthetic"
    assert 'filename="SPY-1m-demo.csv"' in csv.headers["content-disposition"]

    parquet = api.get("/bars/SPY", params={**DAY, "format": "parquet"})
    assert parquet.headers["x-chronox-demo"] == "synthetic"
    metadata = pq.read_table(io.BytesIO(parquet.content)).schema.metadata
    assert metadata[b"chronox.demo"] == b"True"


def test_the_demo_csv_still_reads_back_as_bars(api: TestClient, tmp_path: Path) -> None:
    # The mark is in the headers only: the body stays what `--source files` reads.
    text = api.get("/bars/SPY", params={**DAY, "format": "csv"}).text
    (tmp_path / "SPY.csv").write_text(text)
    (bars,) = read_bar_file(tmp_path / "SPY.csv").series.values()
    assert len(bars) == len(text.splitlines()) - 1 > 380


def test_bars_of_a_real_source_carry_no_demo_mark(api: TestClient) -> None:
    never_stored = api.get("/bars/QQQ", params=DAY)
    assert never_stored.json()["demo"] is False
    assert "x-chronox-demo" not in never_stored.headers


def test_websocket_frames_of_demo_bars_say_so(api: TestClient) -> None:
    with api.websocket_connect("/ws/bars?symbols=SPY&timeframe=1m&replay=1") as ws:
        backfill(api, "2024-11-26")
        frame = ws.receive_json()
    assert frame["source"] == "synthetic" and frame["demo"] is True
