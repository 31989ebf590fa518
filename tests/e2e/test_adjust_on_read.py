"""Raw is the truth, adjusted on read (issue 19, items 1 and 3), through the Polygon
stub on loopback, with the vendor's documented numbers.

AAPL's splits as the vendor lists them (``GET /stocks/v1/splits?ticker=AAPL``, the
stub's ``documented()`` reference data): 2005-02-28 2-for-1, 2014-06-09 7-for-1,
2020-08-31 4-for-1. AAPL's 2005-01-03 as traded (open 64.78, high 65.11, low 62.60,
close 63.29) and Yahoo Finance's split-adjusted history of that day, to its six
decimals (1.156786, 1.162679, 1.117857, 1.130179): a factor of 56 before the first
split, 28 after it (as tests/unit/test_adjust.py).

The stub serves the aggregates' ``adjusted`` parameter as the vendor documents it
(rest.json, ``/v2/aggs/ticker/{stocksTicker}/range/...``, parameter ``adjusted``:
"Whether or not the results are adjusted for splits. By default, results are adjusted.
Set this to false to get results that are NOT adjusted for splits."): raw bars for
``adjusted=false``, divided by its splits for ``true``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from chronox_domain import Bar, Interval, Timeframe
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.notebook import connect
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import StubSplit, documented

KEY = "pk-e2e-ADJUST-ON-READ-19"
DAY = date(2005, 1, 3)
AFTER = date(2005, 3, 1)
RAW = (64.78, 65.11, 62.60, 63.29)
VOLUME = 24_714_000.0
YAHOO = (1.156786, 1.162679, 1.117857, 1.130179)


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        running.pin(
            Bar("AAPL", Timeframe.D1, Timeframe.D1.daily_stamp(DAY), *RAW, VOLUME, 64.0, 12)
        )
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    stub.reference = documented()
    # The aggregates' own split list (what ``adjusted=true`` divides by): the same.
    stub.splits = {"AAPL": [(date(2005, 2, 28), 1, 2), (date(2014, 6, 9), 1, 7),
                            (date(2020, 8, 31), 1, 4)]}  # fmt: skip
    stub.faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    yield stub
    stub.splits = {}


def day_bars(cli: Cli, adjust: str | None, start: date = DAY, end: date = AFTER) -> dict:
    extra = [] if adjust is None else ["--adjust", adjust]
    result = cli("bars", "AAPL", "-t", "1d", "--start", str(start), "--end", str(end),
                 "--format", "json", *extra)  # fmt: skip
    assert result.code == 0, result.err
    body: dict = result.json()
    return body


def prices(bar: dict) -> tuple[float, ...]:
    return tuple(round(bar[k], 6) for k in ("open", "high", "low", "close"))


def on(body: dict, day: date) -> dict:
    (found,) = [bar for bar in body["bars"] if bar["start"].startswith(str(day))]
    return found


def ingest(cli: Cli) -> None:
    result = cli("ingest", "AAPL", "-t", "1d", "--start", str(DAY), "--end", str(AFTER))
    assert result.code == 0, result.err


def test_bars_are_fetched_raw_and_read_on_each_basis(cli: Cli, vendor: PolygonStub) -> None:
    ingest(cli)
    asked = vendor.aggs_requests()
    assert asked and all(record.query.get("adjusted") == "false" for record in asked)
    raw = day_bars(cli, "none")
    assert raw["adjust"] == "none" and raw["sources"] == ["polygon"]
    assert prices(on(raw, DAY)) == RAW and on(raw, DAY)["volume"] == VOLUME
    split = day_bars(cli, None)  # the default basis: splits
    assert split["adjust"] == "splits"
    assert prices(on(split, DAY)) == YAHOO and on(split, DAY)["volume"] == VOLUME * 56
    after_raw, after_split = on(raw, AFTER), on(split, AFTER)
    assert after_split["close"] == pytest.approx(after_raw["close"] / 28, rel=1e-12)
    assert after_split["volume"] == pytest.approx(after_raw["volume"] * 28, rel=1e-12)
    # What the vendor itself answers with adjusted=true for that day (to its four
    # decimals): the same numbers.
    served = vendor.expected_bars("AAPL", Timeframe.D1, cli_window(DAY), adjusted=True)
    vendor_adjusted = served[0]
    assert vendor_adjusted.close == round(on(split, DAY)["close"], 4) == round(YAHOO[3], 4)


def cli_window(day: date) -> Interval:
    """The slot of ``day``'s daily bar."""
    start = Timeframe.D1.daily_stamp(day)
    return Interval(start, start + Timeframe.D1.step)


def test_a_split_announced_later_changes_the_next_read_without_bar_requests(
    cli: Cli, vendor: PolygonStub
) -> None:
    ingest(cli)
    assert prices(on(day_bars(cli, "splits"), DAY)) == YAHOO
    vendor.reference.splits.append(StubSplit("AAPL", date(2026, 6, 1), 1, 2, "forward_split"))
    vendor.reset_log()
    synced = cli("actions", "sync", "AAPL", "--force")
    assert synced.code == 0, synced.err
    now = on(day_bars(cli, "splits"), DAY)
    assert now["close"] == pytest.approx(RAW[3] / 112, rel=1e-12)
    assert prices(on(day_bars(cli, "none"), DAY)) == RAW
    assert vendor.aggs_requests() == []


def test_a_split_announced_for_a_later_date_adjusts_nothing_before_it(
    cli: Cli, vendor: PolygonStub
) -> None:
    """The vendor lists a split once it is announced, weeks before its execution date;
    nothing has traded on the new basis yet, and its own adjusted bars ignore it."""
    ingest(cli)
    total_return = prices(on(day_bars(cli, "all"), DAY))
    vendor.reference.splits.append(StubSplit("AAPL", date(2099, 6, 1), 1, 10, "forward_split"))
    synced = cli("actions", "sync", "AAPL", "--force")
    assert synced.code == 0, synced.err
    listed = cli("actions", "AAPL", "--json")
    assert "2099-06-01" in listed.out  # stored as the vendor gave it
    assert prices(on(day_bars(cli, "splits"), DAY)) == YAHOO
    assert prices(on(day_bars(cli, "all"), DAY)) == total_return


def test_the_api_the_client_formats_and_the_notebook_say_their_basis(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", vendor.base_url)
    ingest(sqlite_cli)
    query = {"timeframe": "1d", "start": str(DAY), "end": str(DAY)}
    app = create_app(Container(settings=Settings(store=sqlite_cli.store)))
    with TestClient(app) as api:
        default = api.get("/bars/AAPL", params=query)
        raw = api.get("/bars/AAPL", params={**query, "adjust": "none"})
        csv = api.get("/bars/AAPL", params={**query, "format": "csv", "adjust": "none"})
        parquet = api.get("/bars/AAPL", params={**query, "format": "parquet"})
        refused = api.get("/bars/AAPL", params={**query, "adjust": "dividends"})
    assert default.headers["X-Chronox-Adjust"] == "splits" and default.json()["adjust"] == "splits"
    assert prices(default.json()["bars"][0]) == YAHOO
    assert raw.headers["X-Chronox-Adjust"] == "none" and prices(raw.json()["bars"][0]) == RAW
    assert csv.headers["X-Chronox-Adjust"] == "none" and "64.78" in csv.text
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.schema.metadata[b"chronox.adjust"] == b"splits"
    assert round(table.column("close")[0].as_py(), 6) == YAHOO[3]
    assert refused.status_code == 422
    cx = connect(sqlite_cli.store)
    frame = cx.bars("AAPL", DAY, DAY, timeframe="1d")
    assert frame.attrs["adjust"] == "splits" and round(frame["close"].iloc[0], 6) == YAHOO[3]
    as_traded = cx.bars("AAPL", DAY, DAY, timeframe="1d", adjust="none")
    assert as_traded.attrs["adjust"] == "none" and as_traded["close"].iloc[0] == RAW[3]


def test_the_synthetic_source_reads_the_same_on_every_basis(sqlite_cli: Cli) -> None:
    args = ("ingest", "SPY", "-t", "1d", "--start", "2024-11-25", "--end", "2024-11-29",
            "--source", "synthetic")  # fmt: skip
    assert sqlite_cli(*args).code == 0
    read = {
        basis: sqlite_cli("bars", "SPY", "-t", "1d", "--start", "2024-11-25", "--end",
                          "2024-11-29", "--format", "csv", "--adjust", basis).out
        for basis in ("none", "splits", "all")
    }  # fmt: skip
    # A header and 4 sessions (Thanksgiving closed), the same on every basis.
    assert read["none"] == read["splits"] == read["all"] and read["none"].count("\n") == 5


def test_roll_ups_are_adjusted_by_session_date(sqlite_cli: Cli, vendor: PolygonStub) -> None:
    """5m..1d never fetched are rolled up from the stored 1m bars, then adjusted: the
    session before the 2:1 of 2005-02-28 by 56, the execution date by 28."""
    first, last = date(2005, 2, 25), date(2005, 2, 28)
    result = sqlite_cli("ingest", "AAPL", "--start", str(first), "--end", str(last))
    assert result.code == 0, result.err
    for timeframe in ("5m", "1h", "1d"):
        read = {
            basis: sqlite_cli("bars", "AAPL", "-t", timeframe, "--start", str(first), "--end",
                              str(last), "--format", "json", "--adjust", basis).json()
            for basis in ("none", "splits")
        }  # fmt: skip
        assert read["splits"]["derived_from"] == "1m"
        pairs = list(zip(read["none"]["bars"], read["splits"]["bars"], strict=True))
        assert {raw["start"][:10] for raw, _ in pairs} == {str(first), str(last)}
        for raw, split in pairs:
            factor = 56 if raw["start"][:10] == str(first) else 28
            assert split["close"] == pytest.approx(raw["close"] / factor, rel=1e-12)
            assert split["volume"] == pytest.approx(raw["volume"] * factor, rel=1e-12)
