"""The symbols presenter against a real API over SQLite (no mocks): the registry with
each symbol's coverage % of a range, read from GET /coverage/matrix (one request per
session kind, never one per symbol) and equal to /coverage/{symbol}/summary's for the
same series; adding and removing, and a token refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import InvalidSymbol, Unauthorized
from chronox_entrypoints.gui.presenters import SymbolRow, SymbolsPresenter
from tests.gui.conftest import EARLY_SESSION, FULL_SESSION, TOKEN, wait_for_job
from tests.integration.test_api_client import Served

pytestmark = pytest.mark.gui

WEEK = (date(2024, 11, 25), date(2024, 11, 29))


class Recording(httpx.AsyncHTTPTransport):
    """The real transport, noting the path of each request sent."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


@pytest.fixture
def recorded(api: Served) -> Iterator[tuple[ChronoxClient, Recording]]:
    transport = Recording()
    with ChronoxClient(ChronoxApiConfig(api.url), transport=transport) as client:
        yield client, transport


def summary_percent(
    client: ChronoxClient, row: SymbolRow, timeframe: str, first: date, last: date
) -> float | None:
    """The summary's share of the same series, from its counts (its ``percent`` is
    rounded to 3 decimals on the wire)."""
    summary = client.coverage_summary(row.symbol, timeframe, first, last, session=row.session)
    if summary.expected == 0:
        assert summary.percent is None
        return None
    share = 100 * (summary.final + summary.provisional) / summary.expected
    assert summary.percent == round(share, 3)
    return share


def test_each_symbol_shows_its_coverage_of_the_range(client: ChronoxClient) -> None:
    rows = {row.symbol: row for row in SymbolsPresenter(client).refresh("1m", *WEEK)}
    stored = 2 * FULL_SESSION + EARLY_SESSION
    assert rows["SPY"].percent == pytest.approx(100 * stored / (stored + FULL_SESSION), abs=0.01)
    assert rows["SPY"].coverage == "71.7 %" and rows["SPY"].active
    assert rows["AAPL"].percent == 0.0 and rows["AAPL"].session == "rth"


def test_a_watched_symbol_the_registry_lacks_is_listed_and_marked(client: ChronoxClient) -> None:
    # XLK: a ticker no other test of the session's shared API registers (QQQ is, by the
    # coverage presenter's tests, whichever runs first).
    rows = SymbolsPresenter(client).refresh("1m", *WEEK, watched=["SPY", "XLK", "XLK"])
    assert [row.symbol for row in rows].count("SPY") == 1  # registered: listed once
    (xlk,) = [row for row in rows if row.symbol == "XLK"]
    assert not xlk.registered and xlk.state == "not in registry" and xlk.percent == 0.0
    assert {row.state for row in rows if row.symbol != "XLK"} == {"active"}


def test_add_and_remove(client: ChronoxClient) -> None:
    symbols = SymbolsPresenter(client)
    assert symbols.add(" dia ") == "DIA"
    assert "DIA" in {row.symbol for row in symbols.refresh("1d", *WEEK)}
    symbols.remove("DIA")
    assert "DIA" not in {row.symbol for row in symbols.refresh("1d", *WEEK)}
    with pytest.raises(InvalidSymbol):
        symbols.add("not a ticker")


def test_adding_without_the_token_is_refused_and_with_it_works(guarded: Served) -> None:
    with ChronoxClient(ChronoxApiConfig(guarded.url)) as anonymous, pytest.raises(Unauthorized):
        SymbolsPresenter(anonymous).add("SPY")
    with ChronoxClient(ChronoxApiConfig(guarded.url, token=TOKEN)) as trusted:
        assert SymbolsPresenter(trusted).add("SPY") == "SPY"


def test_one_matrix_request_per_session_kind_and_the_summarys_percent(
    recorded: tuple[ChronoxClient, Recording],
) -> None:
    client, transport = recorded
    client.add_symbol("XLP", session="eth")  # read in its own session: extended hours
    (job,) = client.backfill(["XLP"], "2024-11-25", "2024-11-26")
    assert wait_for_job(client, job).state == "succeeded"
    transport.paths.clear()

    rows = SymbolsPresenter(client).refresh("1m", *WEEK, watched=["XLV"])

    matrices = transport.paths.count("/coverage/matrix")
    assert matrices == 2 == len({row.session for row in rows if row.registered})
    summaries = [path for path in transport.paths if path.endswith("/summary")]
    assert summaries == ["/coverage/XLV/summary"]  # the watched symbol outside the registry
    assert set(transport.paths) == {"/symbols", "/coverage/matrix", "/coverage/XLV/summary"}
    by_symbol = {row.symbol: row for row in rows}
    xlp = by_symbol["XLP"]
    assert xlp.session == "eth" and xlp.percent is not None and 0 < xlp.percent < 100
    for row in rows:  # the same series, the same share, to the last digit
        assert row.percent == summary_percent(client, row, "1m", *WEEK), row.symbol


def test_a_range_longer_than_a_matrix_is_read_in_stretches(
    recorded: tuple[ChronoxClient, Recording],
) -> None:
    client, transport = recorded
    client.add_symbol("XLU", timeframes=["1d"])
    (job,) = client.backfill(["XLU"], "2024-01-02", "2024-06-28")
    assert wait_for_job(client, job).state == "succeeded"
    first, last = date(2013, 6, 3), date(2024, 11, 29)  # 2,893 sessions: two matrices
    transport.paths.clear()

    rows = SymbolsPresenter(client).refresh("1d", first, last)

    kinds = len({row.session for row in rows})  # rth, and eth when another test added it
    assert transport.paths.count("/coverage/matrix") == 2 * kinds
    xlu = next(row for row in rows if row.symbol == "XLU")
    filled = client.sessions(date(2024, 1, 2), date(2024, 6, 28))  # the first half of 2024
    shown = client.sessions(first, last)
    assert xlu.percent == pytest.approx(100 * len(filled) / len(shown)) and len(shown) > 2_600
    for row in rows:
        assert row.percent == summary_percent(client, row, "1d", first, last), row.symbol


def test_an_open_range_is_the_matrixs_window_for_every_row(client: ChronoxClient) -> None:
    rows = SymbolsPresenter(client).refresh("1m", None, None, watched=["XLY"])
    days = client.coverage_matrix("1m", rows="session").days
    assert len(days) == 20
    for row in rows:
        assert row.percent == summary_percent(client, row, "1m", days[0], days[-1]), row.symbol
