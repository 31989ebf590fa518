"""Upgrading a store made by the previous release (issue 19, item 6): nothing is lost,
no answer mixes two bases, and backfill replaces the old bars by raw ones.

The stores are ``tests/fixtures/previous_release`` (see its README): the previous
release's own code ingested, through the Polygon stub, AAPL's daily bars of 2005-01-03
to 2005-03-04 and its regular-hours minutes of 2005-02-25 and 2005-02-28 split-adjusted
(its default), IBM raw (``CHRONOX_POLYGON_ADJUSTED=false``) and SPY adjusted while the
vendor's reference endpoints failed, so that SPY's corporate actions were never stored.

AAPL's splits (the vendor's ``/stocks/v1/splits``): 2005-02-28 2:1, 2014-06-09 7:1,
2020-08-31 4:1. Its 2005-01-03 as traded is open 64.78, high 65.11, low 62.60, close
63.29 (tests/e2e/test_adjust_on_read.py): the vendor's adjusted answer divides a
session before 2005-02-28 by 56, one from it by 28, to four decimals.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from chronox_domain import Bar, Timeframe
from tests.conftest import fresh_database
from tests.e2e.conftest import PG_MODES, Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import documented

FIXTURES = Path(__file__).parents[1] / "fixtures" / "previous_release"
KEY = "pk-e2e-UPGRADE-19"
RAW = (64.78, 65.11, 62.60, 63.29)
DAILY = ("-t", "1d", "--start", "2005-01-03", "--end", "2005-03-04")
MINUTES = ("-t", "1m", "--start", "2005-02-25", "--end", "2005-02-28")
#: The previous release ingested (and ``ingest`` fetches) regular hours only.
RTH = ("--session", "rth")
SPLIT_DAY = date(2005, 2, 28)
TABLES = ("bars_1m", "bars_5m", "bars_15m", "bars_1h", "bars_1d")
#: The vendor's adjusted prices have four decimals: a price as traded read back from
#: them is within half a unit of the fourth, times the factor.
FOURTH = 0.00005


class OldStore:
    """One fixture store, restored, and SQL on it (what the CLI cannot show)."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql.encode()).fetchall()

    def count(self) -> int:
        return sum(self.rows(f"SELECT count(*) FROM {table}")[0][0] for table in TABLES)

    def bars(self, table: str, symbol: str) -> dict[str, tuple[float, ...]]:
        """Prices and volume by start (ISO, as the CLI's JSON writes it)."""
        return {
            _iso(start): tuple(values)
            for start, *values in self.rows(
                f"SELECT start, open, high, low, close, volume FROM {table} "
                f"WHERE symbol = '{symbol}' ORDER BY start"
            )
        }

    def sources(self, table: str, symbol: str) -> set[str]:
        return {
            s
            for (s,) in self.rows(f"SELECT DISTINCT source FROM {table} WHERE symbol = '{symbol}'")
        }


def _iso(start: Any) -> str:
    moment = datetime.fromtimestamp(start, UTC) if isinstance(start, int) else start.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(params=["sqlite", "postgresql", "timescale"])
def old_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OldStore]:
    monkeypatch.chdir(tmp_path)
    for name in ("CHRONOX_STORE", "CHRONOX_SOURCE", "CHRONOX_REDIS_URL", "MASSIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copy(FIXTURES / "store.sqlite3", path)
        yield OldStore("sqlite", f"sqlite:///{path}")
        return
    monkeypatch.setenv("CHRONOX_PG_MODE", PG_MODES[request.param])
    server = "pg_url" if request.param == "postgresql" else "timescale_url"
    with fresh_database(request.getfixturevalue(server)) as url:
        _restore(url, FIXTURES / f"store.{PG_MODES[request.param]}.sql", request.param)
        yield OldStore(request.param, url)


def _restore(url: str, dump: Path, kind: str) -> None:
    """Load a plain ``pg_dump``; TimescaleDB's catalog wants its pre/post restore calls,
    and its 2005 chunks are compressed first, as a store's old chunks are by policy."""

    def psql(*args: str) -> None:
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, *args], check=True,
                       capture_output=True)  # fmt: skip

    if kind == "timescale":
        psql("-c", "CREATE EXTENSION IF NOT EXISTS timescaledb",
             "-c", "SELECT timescaledb_pre_restore()")  # fmt: skip
    psql("-f", str(dump))
    if kind == "timescale":
        psql("-c", "SELECT timescaledb_post_restore()",
             "-c", "SELECT compress_chunk(c, if_not_compressed => true) "
                   "FROM show_chunks('bars_1m') c")  # fmt: skip


@pytest.fixture
def vendor(monkeypatch: pytest.MonkeyPatch) -> Iterator[PolygonStub]:
    """The stub the fixture was made against, serving the same bars."""
    with PolygonStub(api_key=KEY) as stub:
        stub.pin(Bar("AAPL", Timeframe.D1, Timeframe.D1.daily_stamp(date(2005, 1, 3)),
                     *RAW, 24_714_000.0, 64.0, 12))  # fmt: skip
        stub.splits = {"AAPL": [(SPLIT_DAY, 1, 2), (date(2014, 6, 9), 1, 7),
                                (date(2020, 8, 31), 1, 4)]}  # fmt: skip
        stub.reference = documented()
        monkeypatch.setenv("POLYGON_API_KEY", KEY)
        monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
        monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
        yield stub


def read(cli: Cli, symbol: str, window: tuple[str, ...], adjust: str) -> dict[str, dict]:
    result = cli("bars", symbol, *window, "--format", "json", "--adjust", adjust)
    assert result.code == 0, result.err
    return {bar["start"]: bar for bar in result.json()["bars"]}


def factor(start: str) -> float:
    return 56.0 if date.fromisoformat(start[:10]) < SPLIT_DAY else 28.0


def assert_reads_as_stored(
    cli: Cli, window: tuple[str, ...], stored: dict[str, tuple[float, ...]], abs_price: float
) -> None:
    """``--adjust splits`` returns what the previous release stored and returned (to the
    vendor's rounding when bars were fetched again raw)."""
    split = read(cli, "AAPL", window, "splits")
    assert list(split) == list(stored)
    for start, (o, h, lo, c, v) in stored.items():
        bar = split[start]
        got = (bar["open"], bar["high"], bar["low"], bar["close"])
        assert got == pytest.approx((o, h, lo, c), rel=1e-12, abs=abs_price), start
        assert bar["volume"] == pytest.approx(v, rel=1e-9), start


def test_a_store_of_the_previous_release_is_upgraded_without_loss(
    old_store: OldStore, vendor: PolygonStub, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys, old_store.url)
    bars_before = old_store.count()
    daily = old_store.bars("bars_1d", "AAPL")
    minutes = old_store.bars("bars_1m", "AAPL")
    assert len(daily) == 43 and len(minutes) > 700
    assert old_store.sources("bars_1d", "IBM") == {"polygon-unadjusted"}

    migrated = cli("db", "migrate")
    assert migrated.code == 0, migrated.err
    assert "split-adjusted are kept" in migrated.err
    assert old_store.count() == bars_before  # nothing deleted
    assert old_store.sources("bars_1d", "AAPL") == {"polygon-adjusted"}
    assert old_store.sources("bars_1d", "IBM") == {"polygon"}  # was already raw
    assert old_store.rows("SELECT source FROM legacy_basis") == [("polygon-adjusted",)]

    # SPY's corporate actions were never stored: its legacy bars cannot be rebased.
    refused = cli("bars", "SPY", "-t", "1d", "--start", "2024-11-25", "--end", "2024-11-29")
    assert refused.code == 2 and refused.out == ""
    assert refused.err.strip() == (
        "error: SPY holds bars an earlier chronox stored split-adjusted and its splits are "
        "not known yet: run `chronox-cli actions sync SPY` once"
    )

    # AAPL's actions were stored by the previous release: its first read rebases it.
    assert_reads_as_stored(cli, DAILY, daily, abs_price=0.0)
    assert old_store.sources("bars_1d", "AAPL") == {"polygon-rebased"}
    assert old_store.sources("bars_1m", "AAPL") == {"polygon-rebased"}
    assert old_store.count() == bars_before
    assert_reads_as_stored(cli, MINUTES, minutes, abs_price=0.0)
    raw = read(cli, "AAPL", DAILY, "none")
    for start, (*_, c, v) in daily.items():
        got = raw[start]
        assert got["close"] == pytest.approx(c * factor(start), rel=1e-12)
        assert got["volume"] == pytest.approx(v / factor(start), rel=1e-9)
    documented_day = raw["2005-01-03T00:00:00Z"]
    got = (documented_day["open"], documented_day["high"], documented_day["low"],
           documented_day["close"])  # fmt: skip
    assert got == pytest.approx(RAW, abs=56 * FOURTH)

    # Legacy spans close no gap: backfill fetches them again, raw.
    gaps = cli("gaps", "AAPL", *DAILY, "--json")
    assert gaps.code == 0, gaps.err
    assert sum(window["bars"] for window in gaps.json()) == len(daily)

    for window in (DAILY, (*MINUTES, *RTH)):
        fetched = cli("ingest", "AAPL", *window)
        assert fetched.code == 0, fetched.err
    assert vendor.aggs_requests() and all(
        record.query.get("adjusted") == "false" for record in vendor.aggs_requests()
    )
    assert old_store.sources("bars_1d", "AAPL") == {"polygon"}
    assert old_store.sources("bars_1m", "AAPL") == {"polygon"}
    assert old_store.rows("SELECT DISTINCT source FROM coverage WHERE symbol = 'AAPL'") == [
        ("polygon",)
    ]
    assert cli("gaps", "AAPL", *DAILY, "--json").json() == []
    assert_reads_as_stored(cli, DAILY, daily, abs_price=FOURTH)
    assert_reads_as_stored(cli, MINUTES, minutes, abs_price=FOURTH)
    exact = read(cli, "AAPL", DAILY, "none")["2005-01-03T00:00:00Z"]
    assert (exact["open"], exact["high"], exact["low"], exact["close"]) == RAW

    vendor.reset_log()
    for window in (DAILY, (*MINUTES, *RTH)):
        assert cli("ingest", "AAPL", *window).code == 0
    assert vendor.aggs_requests() == []


def test_the_api_and_its_client_refuse_a_legacy_symbol_without_actions(tmp_path: Path) -> None:
    """The same refusal over HTTP: 409 ``legacy_basis_unknown``, and the typed client
    raises the domain's error, not a generic one."""
    from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
    from chronox_domain import LegacyBasisUnknown
    from tests.integration.test_api_client import Served

    path = tmp_path / "store.sqlite3"
    shutil.copy(FIXTURES / "store.sqlite3", path)
    server = Served(path, api_token=None)
    try:
        answer = httpx.get(
            f"{server.url}/bars/SPY",
            params={"timeframe": "1d", "start": "2024-11-25", "end": "2024-11-29"},
        )
        assert answer.status_code == 409
        assert answer.json()["error"] == "legacy_basis_unknown"
        assert "chronox-cli actions sync SPY" in answer.json()["detail"]
        with (
            ChronoxClient(ChronoxApiConfig(server.url)) as client,
            pytest.raises(LegacyBasisUnknown, match="SPY holds bars an earlier chronox stored"),
        ):
            client.bars("SPY", "1d", start="2024-11-25", end="2024-11-29")
    finally:
        server.stop()
