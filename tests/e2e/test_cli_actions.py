"""`chronox-cli actions` against the Polygon stub on loopback, on each store.

The expected values are the vendor's documented ones, as the stub serves them
(tests/polygon_stub/reference_data.py cites each): AAPL's splits of 2005-02-28 (2:1),
2014-06-09 (7:1) and 2020-08-31 (4:1), rest.json's META events (FB became META on
2022-06-09), Snowflake's first session 2020-09-16, Twitter's last 2022-10-27.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import StubSplit, documented

KEY = "pk-e2e-actions-SECRET-5b1d"
#: The reference endpoints of one symbol's sync: overview, events, splits, dividends
#: (each of the stub's documented lists fits in one page).
REQUESTS_PER_SYMBOL = 4


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    stub.reference = documented()
    stub.known_tickers = None
    stub.reference_faults.clear()
    stub.faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    yield stub
    stub.reference_faults.clear()


def test_aapls_three_splits_are_listed_with_their_ratios_and_types(
    cli: Cli, vendor: PolygonStub
) -> None:
    synced = cli("actions", "sync", "AAPL")
    assert synced.code == 0, synced.err
    assert synced.out.splitlines() == ["fetched: AAPL"]
    body = cli("actions", "AAPL", "--json").json()
    assert body["symbol"] == "AAPL" and body["fetched_at"].endswith("Z")
    splits = [
        (s["execution_date"], s["split_from"], s["split_to"], s["adjustment_type"])
        for s in body["splits"]
    ]
    assert splits == [
        ("2005-02-28", 1, 2, "forward_split"),
        ("2014-06-09", 1, 7, "forward_split"),
        ("2020-08-31", 1, 4, "forward_split"),
    ]
    # The vendor's cumulative factors: 0.25 documented for the latest, 1/28 and 1/56.
    factors = [s["historical_adjustment_factor"] for s in body["splits"]]
    assert factors == pytest.approx([1 / 56, 1 / 28, 0.25])
    assert [(d["ex_dividend_date"], d["cash_amount"]) for d in body["dividends"]] == [
        ("2021-08-06", 0.22),
        ("2021-11-05", 0.22),
    ]
    assert body["listing"] == {"listed": "1980-12-12", "delisted": None, "active": True}
    assert body["ticker_changes"] == []
    table = cli("actions", "AAPL")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].startswith("AAPL: corporate actions fetched ")
    assert lines[1].split() == ["kind", "date", "details"]
    rows = [line.split(None, 2) for line in lines[2:]]
    assert [(kind, day) for kind, day, _ in rows] == [
        ("listed", "1980-12-12"),
        ("split", "2005-02-28"),
        ("split", "2014-06-09"),
        ("split", "2020-08-31"),
        ("dividend", "2021-08-06"),
        ("dividend", "2021-11-05"),
    ]
    assert rows[1][2] == "2-for-1 forward split, vendor factor 0.0178571"
    assert rows[3][2] == "4-for-1 forward split, vendor factor 0.25"
    assert (
        rows[4][2] == "0.22 USD, recurring, paid 2021-08-12, record 2021-08-09, declared 2021-07-27"
    )


def test_a_reverse_split_reads_as_one(cli: Cli, vendor: PolygonStub) -> None:
    assert cli("actions", "sync", "GE").code == 0
    (split,) = cli("actions", "GE", "--json").json()["splits"]
    assert (split["split_from"], split["split_to"], split["adjustment_type"]) == (
        8,
        1,
        "reverse_split",
    )
    assert "1-for-8 reverse split" in cli("actions", "GE").out


def test_a_second_sync_the_same_day_asks_nothing_and_force_asks_again(
    cli: Cli, vendor: PolygonStub
) -> None:
    assert cli("actions", "sync", "AAPL", "META").code == 0
    assert len(vendor.reference_requests()) == 2 * REQUESTS_PER_SYMBOL
    again = cli("actions", "sync", "AAPL", "META", "--json")
    assert again.code == 0, again.err
    assert again.json()["fresh"] == ["AAPL", "META"] and again.json()["fetched"] == []
    assert len(vendor.reference_requests()) == 2 * REQUESTS_PER_SYMBOL  # none more
    text = cli("actions", "sync", "AAPL")
    assert text.out.splitlines() == ["fresh (fetched today already; --force fetches again): AAPL"]
    before = cli("actions", "AAPL", "--json").json()["fetched_at"]
    forced = cli("actions", "sync", "AAPL", "--force", "--json")
    assert forced.json()["fetched"] == ["AAPL"]
    assert len(vendor.reference_requests()) == 3 * REQUESTS_PER_SYMBOL
    assert cli("actions", "AAPL", "--json").json()["fetched_at"] > before


def test_a_split_announced_later_is_seen_on_a_forced_sync(cli: Cli, vendor: PolygonStub) -> None:
    assert cli("actions", "sync", "GE").code == 0
    vendor.reference.splits.append(StubSplit("GE", date(2024, 4, 2), 1, 1.253, "forward_split"))
    assert len(cli("actions", "GE", "--json").json()["splits"]) == 1  # stored, not asked
    assert cli("actions", "sync", "GE", "--force").code == 0
    dates = [s["execution_date"] for s in cli("actions", "GE", "--json").json()["splits"]]
    assert dates == ["2021-08-02", "2024-04-02"]


def test_meta_was_fb_until_2022_06_09(cli: Cli, vendor: PolygonStub) -> None:
    assert cli("actions", "sync", "META").code == 0
    body = cli("actions", "META", "--json").json()
    assert body["ticker_changes"] == [
        {"old_ticker": "FB", "new_ticker": "META", "effective": "2022-06-09"}
    ]
    assert body["listing"]["listed"] == "2012-05-18"
    assert cli("actions", "--json", "META").json() == body  # options before the symbol too
    assert "ticker_change  2022-06-09  FB -> META" in cli("actions", "META").out


def test_the_listing_period_of_a_late_listing_and_of_a_delisting(
    cli: Cli, vendor: PolygonStub
) -> None:
    assert cli("actions", "sync", "SNOW", "TWTR").code == 0
    snow = cli("actions", "SNOW", "--json").json()
    assert snow["listing"] == {"listed": "2020-09-16", "delisted": None, "active": True}
    twtr = cli("actions", "TWTR", "--json").json()
    # The vendor's delisted_utc is the last date traded; chronox keeps the day after.
    assert twtr["listing"] == {"listed": "2013-11-07", "delisted": "2022-10-28", "active": False}
    assert "delisted  2022-10-28  no session from this date (last traded 2022-10-27)" in (
        cli("actions", "TWTR").out
    )


def test_an_unknown_ticker_is_one_line_and_the_others_are_synced(
    cli: Cli, vendor: PolygonStub
) -> None:
    vendor.known_tickers = {"AAPL", "SNOW"}
    result = cli("actions", "sync", "AAPL", "ZZZZ", "SNOW")
    assert result.code == 2
    assert result.out.splitlines() == ["fetched: AAPL, SNOW"]
    assert result.err.strip() == "error: the vendor does not know ZZZZ"
    # One request for the unknown ticker (its overview), the others' four each.
    assert len(vendor.reference_requests()) == 2 * REQUESTS_PER_SYMBOL + 1
    assert cli("actions", "SNOW", "--json").json()["listing"]["listed"] == "2020-09-16"
    body = cli("actions", "sync", "ZZZZ", "--json")
    assert body.code == 2 and body.json()["unknown"] == ["ZZZZ"]


def test_a_vendor_that_keeps_failing_stops_the_sync_after_three_symbols(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "1")
    monkeypatch.setenv("CHRONOX_LOG_LEVEL", "ERROR")
    vendor.reference_faults.server_errors([503] * 50)
    result = cli("actions", "sync", "AAPL", "GE", "META", "SNOW", "TWTR", "--json")
    assert result.code == 3
    body = result.json()
    assert [f["symbol"] for f in body["failed"]] == ["AAPL", "GE", "META"]
    assert body["skipped"] == ["SNOW", "TWTR"]
    assert len(vendor.reference_requests()) == 3 * 2  # each overview tried twice, no more
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: the vendor failed the corporate actions of 3 symbols (AAPL: ")
    assert line.endswith("2 symbols not tried after 3 failures in a row)")
    assert cli("actions", "AAPL").code == 2  # nothing stored


def test_no_symbol_syncs_every_active_registry_symbol(cli: Cli, vendor: PolygonStub) -> None:
    assert cli("actions", "sync").out.startswith("nothing to sync: the registry has no active")
    cli("registry", "add", "SNOW")
    cli("registry", "add", "META")
    cli("registry", "add", "GE", "--inactive")
    result = cli("actions", "sync", "--json")
    assert result.code == 0, result.err
    assert result.json()["fetched"] == ["META", "SNOW"]


def test_each_symbol_is_a_progress_line(
    cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CHRONOX_PROGRESS_LOG_SECONDS", "0")
    cli("actions", "sync", "AAPL")
    with caplog.at_level(logging.INFO, logger="chronox.progress"):
        cli("actions", "sync", "AAPL", "SNOW", "--json")
    lines = [r.getMessage() for r in caplog.records if r.name == "chronox.progress"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("actions sync: 1/2 symbols, 0 fetched, 1 fresh, 50%, about ")
    assert lines[1] == "actions sync: 2/2 symbols, 1 fetched, 1 fresh, 100%"


def test_never_synced_says_how_to_sync(cli: Cli, vendor: PolygonStub) -> None:
    result = cli("actions", "AAPL")
    assert result.code == 2
    assert result.err.strip() == (
        "error: the corporate actions of AAPL were never synced "
        "(sync them with: chronox-cli actions sync AAPL)"
    )
    assert cli("actions", "show", "aapl").err == result.err  # spelt out, any case


def test_the_synthetic_source_has_none_in_one_line(cli: Cli, stub: PolygonStub) -> None:
    stub.reset_log()
    result = cli("actions", "sync", "AAPL")  # no vendor key: the synthetic source
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "the synthetic source has no corporate actions: nothing to sync "
        "(the vendor's come with POLYGON_API_KEY)"
    ]
    assert cli("actions", "sync", "AAPL", "--json").json()["has_actions"] is False
    assert stub.requests == [] and cli("actions", "AAPL").code == 2  # nothing stored


def test_a_malformed_symbol_is_refused_before_any_request(cli: Cli, vendor: PolygonStub) -> None:
    result = cli("actions", "sync", "AAPL", "no/pe")
    assert result.code == 2 and "invalid symbol 'no/pe'" in result.err
    assert vendor.requests == []


def test_synced_listing_dates_bound_the_gaps_and_the_requests(
    cli: Cli, vendor: PolygonStub
) -> None:
    assert cli("actions", "sync", "SNOW").code == 0
    window = ("--start", "2020-09-14", "--end", "2020-09-16")
    gaps = cli("gaps", "SNOW", *window, "--holes", "--json")
    assert gaps.code == 0, gaps.err
    kinds = sorted({(g["kind"], g["start"][:10]) for g in gaps.json()})
    assert kinds == [
        ("gap", "2020-09-16"),
        ("unlisted", "2020-09-14"),
        ("unlisted", "2020-09-15"),
    ]
    ingest = cli("ingest", "SNOW", *window, "--json")
    assert ingest.code == 0, ingest.err
    (request,) = vendor.aggs_requests()
    first = int(request.path.split("/")[-2]) // 1000  # ms since the epoch
    assert datetime.fromtimestamp(first, UTC) == datetime(2020, 9, 16, 13, 30, tzinfo=UTC)
