"""The JSON of ``GET /bars`` is encoded by msgspec from the bars' columns, and is the
document pydantic's ``BarOut`` and ``BarsPage`` write, byte for byte: the same keys in
the same order, the same spelling of every number and instant (an integer price a store
hands over as a float, ``null`` for what is missing), in one page or many."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from chronox_adapters.memory import MemorySource
from chronox_domain import Bar, SessionKind, Timeframe
from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.api import create_app
from chronox_entrypoints.api.bar_pages import BarRecord, bars_json, page_body
from chronox_entrypoints.api.routes.bars import CHUNK
from chronox_presentation import BarOut, BarsPage
from tests.conftest import Stack

DAY = date(2024, 11, 26)
OPEN = datetime(2024, 11, 26, 14, 30, tzinfo=UTC)
_MODELS = TypeAdapter(list[BarOut])


def pydantic_json(bars: list[Bar]) -> bytes:
    """What the bars were written as before: a ``BarOut`` per bar, by pydantic."""
    return _MODELS.dump_json([BarOut.of(bar) for bar in bars])[1:-1]


def pydantic_page(head: BarsPage, bars: list[Bar], cursor: str | None) -> bytes:
    """The page as it was written before (the head's fields, the bars, the cursor)."""
    fields = head.model_dump_json(exclude={"bars", "next_cursor"})[:-1].encode()
    return (
        fields
        + b',"bars":['
        + pydantic_json(bars)
        + b'],"next_cursor":'
        + (json.dumps(cursor).encode() + b"}")
    )


def varied_bars(count: int, seed: int = 7) -> list[Bar]:
    """Prices of every precision and size a market has, integer ones among them,
    missing vwaps and trade counts, and a trade count a store handed over as a float."""
    rng = random.Random(seed)
    bars = []
    for i in range(count):
        price = round(rng.uniform(0.0001, 250_000), rng.choice([0, 2, 4, 6]))
        if i % 11 == 0:
            price = float(int(price) or 1)
        volume: float = rng.choice([rng.randrange(10**12), rng.random() * 1e9, 0.0])
        bars.append(
            Bar(
                "SPY", Timeframe.M1, OPEN + timedelta(minutes=i), price, price * 1.01,
                price * 0.99, price, volume, None if i % 5 == 0 else price * 1.0001,
                None if i % 7 == 0 else rng.randrange(10**7),
            )
        )  # fmt: skip
    bars.append(Bar("SPY", Timeframe.M1, OPEN, 10, 11, 9, 10, 100, 10, 7.0))  # type: ignore[arg-type]
    return bars


def test_the_record_has_the_response_models_fields_in_their_order() -> None:
    assert BarRecord.__struct_fields__ == tuple(BarOut.model_fields)


def test_bars_are_written_as_pydantic_writes_them() -> None:
    bars = varied_bars(5_000)
    assert bars_json(bars) == pydantic_json(bars)
    assert bars_json(bars[:1]) == pydantic_json(bars[:1]) and bars_json([]) == b""
    assert b'"open":10.0,' in bars_json(bars[-1:]) and b'"trades":7}' in bars_json(bars[-1:])


def test_a_page_of_many_chunks_is_the_document_of_one() -> None:
    bars = varied_bars(2_500)
    head = BarsPage(symbol="SPY", timeframe="1m", bars=[], demo=True, adjust="none")
    chunks: Iterator[list[Bar]] = iter([bars[:1_000], bars[1_000:2_000], bars[2_000:]])
    body = b"".join(page_body(head, chunks, 1_800))
    assert body == pydantic_page(head, bars[:1_800], "2024-11-27T20:30:00Z")
    assert BarsPage.model_validate_json(body).next_cursor == "2024-11-27T20:30:00Z"


@pytest.fixture
def api(stack: Stack) -> Iterator[tuple[TestClient, list[Bar]]]:
    served = [bar for bar in varied_bars(389) if bar.start < OPEN + timedelta(hours=6, minutes=30)]
    served = sorted({bar.start: bar for bar in served}.values(), key=lambda bar: bar.start)
    app = stack(source=MemorySource(served))
    app.ingestion().ingest(IngestRequest(("SPY",), Timeframe.M1, SessionKind.RTH, DAY, DAY))
    with TestClient(create_app(app)) as client:
        yield client, served


@pytest.mark.parametrize("limit", [1_000, 100, CHUNK + 1], ids=["one-page", "pages", "streamed"])
def test_the_api_sends_the_pydantic_document(api: tuple[TestClient, list[Bar]], limit: int) -> None:
    client, served = api
    params: dict[str, str | int] = {"start": str(DAY), "end": str(DAY), "limit": limit}
    head = BarsPage(symbol="SPY", timeframe="1m", bars=[], demo=False, adjust="splits")
    sent: list[Bar] = []
    while True:
        answer = client.get("/bars/SPY", params=params)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        page = answer.json()
        bars = served[len(sent) : len(sent) + limit]
        assert answer.content == pydantic_page(head, bars, page["next_cursor"])
        sent += bars
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sent == served and len(served) == 389
