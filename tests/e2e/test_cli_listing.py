"""A symbol listed in 2020 asked from before its listing costs no request before its
listing date (issue 19, item 5): `chronox-cli ingest` against the Polygon stub, with
SNOW's listing (2020-09-16, the stub's ticker overview) in the store's corporate actions,
and `gaps --holes` lists the time before it as `unlisted`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from chronox_adapters.sqlite import SqliteActionStore, SqliteDatabase
from chronox_domain.actions import CorporateActions, ListingPeriod
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub

KEY = "pk-e2e-LISTING-51c2"
LISTED = date(2020, 9, 16)
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
ASKED = ("--start", "2020-08-03", "--end", "2020-10-30")


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    stub.faults.clear()
    stub.reference_faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    yield stub
    stub.reference_faults.clear()  # what a test armed and did not use


def store_listing(cli: Cli, listing: ListingPeriod) -> None:
    """What `actions sync` keeps: the listing among the symbol's corporate actions."""
    database = SqliteDatabase(cli.store.removeprefix("sqlite:///"))
    try:
        bundle = CorporateActions(listing.symbol, listing=listing, fetched_at=FETCHED)
        SqliteActionStore(database).put_actions(bundle)
    finally:
        database.close()


def days_asked(vendor: PolygonStub, bound: int) -> list[date]:
    """The UTC date of each aggregates request's ``from`` (``bound`` -2) or inclusive
    ``to`` (-1), given in milliseconds: a session's minutes and its daily bar's stamp
    both fall on the session's date in UTC."""
    return [
        datetime.fromtimestamp(int(record.path.split("/")[bound]) / 1000, UTC).date()
        for record in vendor.aggs_requests()
    ]


def first_days_asked(vendor: PolygonStub) -> list[date]:
    return days_asked(vendor, -2)


@pytest.mark.parametrize("timeframe", ["1m", "1d"])
def test_no_request_before_the_listing_date(
    sqlite_cli: Cli, vendor: PolygonStub, timeframe: str
) -> None:
    cli = sqlite_cli
    store_listing(cli, ListingPeriod("SNOW", LISTED, None, True, FETCHED))
    result = cli("ingest", "SNOW", "-t", timeframe, *ASKED, "--json")
    assert result.code == 0, result.err
    days = first_days_asked(vendor)
    assert days and min(days) == LISTED
    assert result.json()["requests"] == len(days)

    gaps = cli("gaps", "SNOW", "-t", timeframe, *ASKED, "--holes", "--json")
    assert gaps.code == 0, gaps.err
    found = gaps.json()
    unlisted = [g for g in found if g["kind"] == "unlisted"]
    assert unlisted and unlisted[0]["start"].startswith("2020-08-03")
    listed_at = datetime(2020, 9, 16, tzinfo=UTC)
    assert all(datetime.fromisoformat(g["end"]) <= listed_at for g in unlisted)
    assert all(g["start"] >= "2020-09-16" for g in found if g["kind"] != "unlisted")
    assert "gap" not in {g["kind"] for g in found}  # the listed sessions were all fetched
    # A second ingest finds nothing to ask: the unlisted weeks are no gap.
    again = cli("ingest", "SNOW", "-t", timeframe, *ASKED, "--json").json()
    assert again["requests"] == 0


def test_without_a_known_listing_the_whole_range_is_asked(
    sqlite_cli: Cli, vendor: PolygonStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ingest on a store that does not know the listing (the ingest's own sync
    of SNOW's actions failing: the reference endpoints answer 503) asks from the range's
    first session: what the listing saves."""
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "0")
    vendor.reference_faults.server_errors([503] * 4)
    result = sqlite_cli("ingest", "SNOW", "-t", "1d", *ASKED, "--json")
    assert result.code == 0, result.err
    assert min(first_days_asked(vendor)) == date(2020, 8, 3)


def test_a_delisted_symbol_is_not_asked_from_its_delisting(
    sqlite_cli: Cli, vendor: PolygonStub
) -> None:
    # Last traded 2022-10-27 (the vendor's delisted_utc), so nothing from the 28th.
    store_listing(
        sqlite_cli, ListingPeriod("TWTR", date(2013, 11, 7), date(2022, 10, 28), False, FETCHED)
    )
    result = sqlite_cli(
        "ingest", "TWTR", "-t", "1d", "--start", "2022-10-03", "--end", "2022-12-30", "--json"
    )
    assert result.code == 0, result.err
    last_days = days_asked(vendor, -1)
    assert last_days and max(last_days) == date(2022, 10, 27)
    gaps = sqlite_cli(
        "gaps",
        "TWTR",
        "-t",
        "1d",
        "--start",
        "2022-10-03",
        "--end",
        "2022-12-30",
        "--holes",
        "--json",
    ).json()
    assert [g["kind"] for g in gaps if g["start"] >= "2022-10-28"] and all(
        g["kind"] == "unlisted" for g in gaps if g["start"] >= "2022-10-28"
    )


def test_synced_actions_spare_the_years_before_the_listing(
    sqlite_cli: Cli, vendor: PolygonStub
) -> None:
    """The operator's way: `actions sync` reads SNOW's listing from the vendor's ticker
    overview; an ingest from 2015 then asks nothing before 2020-09-16."""
    synced = sqlite_cli("actions", "sync", "SNOW")
    assert synced.code == 0, synced.err
    vendor.reset_log()
    result = sqlite_cli("ingest", "SNOW", "-t", "1d", "--start", "2015-01-02", *ASKED[2:])
    assert result.code == 0, result.err
    assert min(first_days_asked(vendor)) == LISTED


def test_gaps_help_names_the_unlisted_kind(sqlite_cli: Cli) -> None:
    shown = sqlite_cli("gaps", "--help", store=False)
    assert shown.code == 0 and "unlisted" in " ".join(shown.out.split())
