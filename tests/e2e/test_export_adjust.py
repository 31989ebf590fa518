"""``chronox-cli export --adjust`` (issue 19, item 3): a dataset on one price basis, read
through the same adjustment as every read, recorded in its manifest and in each file,
never mixed with another, and rewritten where a new split re-prices it. On a real
SQLite store filled through the Polygon stub on loopback.

The numbers are the vendor's, as in tests/e2e/test_adjust_on_read.py: AAPL's
2005-01-03 as traded (open 64.78, high 65.11, low 62.60, close 63.29) and Yahoo
Finance's split-adjusted history of that day (1.156786, 1.162679, 1.117857, 1.130179),
a factor of 56 from the splits of 2005-02-28 (2:1), 2014-06-09 (7:1) and 2020-08-31
(4:1); 28 for a day after the first of them. AAPL's dividend of 2021-08-06 carries the
vendor's cumulative factor 0.997067 (``/v3/reference/dividends`` example, the stub's
``documented()``): a session before it on the basis ``all`` is its close times that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chronox_domain import Bar, Timeframe
from chronox_domain.errors import InvalidInput
from chronox_entrypoints.notebook import connect
from tests.e2e.conftest import Cli
from tests.polygon_stub import PolygonStub
from tests.polygon_stub.reference_data import StubSplit, documented

KEY = "pk-e2e-EXPORT-ADJUST-19"
DAY = date(2005, 1, 3)
AFTER = date(2005, 3, 1)
RAW = (64.78, 65.11, 62.60, 63.29)
VOLUME = 24_714_000.0
YAHOO = (1.156786, 1.162679, 1.117857, 1.130179)
#: The vendor's cumulative factor of AAPL's dividend of 2021-08-06 (and the later one).
DIVIDENDS_2021 = 0.997067
MANIFEST = "_chronox_manifest.json"
AAPL_2005 = "timeframe=1d/symbol=AAPL/year=2005"
AAPL_2020 = "timeframe=1d/symbol=AAPL/year=2020"
AAPL_2021 = "timeframe=1d/symbol=AAPL/year=2021"
LAST_SPLIT = StubSplit("AAPL", date(2020, 8, 31), 1, 4, "forward_split")


@pytest.fixture(scope="module")
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        running.pin(
            Bar("AAPL", Timeframe.D1, Timeframe.D1.daily_stamp(DAY), *RAW, VOLUME, 64.0, 12)
        )
        yield running


@pytest.fixture
def vendor(stub: PolygonStub, monkeypatch: pytest.MonkeyPatch) -> PolygonStub:
    stub.reference = documented()
    stub.faults.clear()
    stub.reset_log()
    monkeypatch.setenv("POLYGON_API_KEY", KEY)
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHRONOX_POLYGON_BACKOFF", "0.01")
    return stub


def ingest(cli: Cli, start: date, end: date) -> None:
    result = cli("ingest", "AAPL", "-t", "1d", "--start", str(start), "--end", str(end))
    assert result.code == 0, result.err


def export(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    result = cli("export", "AAPL", "-t", "1d", *args, "--path", str(path), "--json")
    assert result.code == 0, result.err
    report: dict[str, Any] = result.json()
    return report


def written(report: dict[str, Any]) -> list[str]:
    return [p["partition"] for p in report["partitions"] if p["written"]]


def partition(root: Path, key: str) -> pa.Table:
    return pq.read_table(root / key / "part-0.parquet")


def on(table: pa.Table, day: date) -> dict[str, Any]:
    rows: list[dict[str, Any]] = table.to_pylist()
    (found,) = [row for row in rows if row["start"].date() == day]
    return found


def prices(row: dict[str, Any]) -> tuple[float, ...]:
    return tuple(round(row[k], 6) for k in ("open", "high", "low", "close"))


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_none_splits_and_all_give_the_vendors_numbers_and_say_their_basis(
    sqlite_cli: Cli, vendor: PolygonStub, tmp_path: Path
) -> None:
    ingest(sqlite_cli, DAY, AFTER)
    ingest(sqlite_cli, date(2021, 1, 4), date(2021, 1, 8))
    by_basis = {
        basis: export(sqlite_cli, tmp_path / basis, *args)
        for basis, args in (("splits", ()), ("none", ("--adjust", "none")),
                            ("all", ("--adjust", "all")))
    }  # fmt: skip
    for basis, report in by_basis.items():  # --json names the basis; so do manifest and files
        assert report["adjust"] == basis
        assert sorted(written(report)) == [AAPL_2005, AAPL_2021]
        assert json.loads((tmp_path / basis / MANIFEST).read_text())["basis"] == basis
        for key in (AAPL_2005, AAPL_2021):
            metadata = pq.read_schema(tmp_path / basis / key / "part-0.parquet").metadata
            assert metadata[b"chronox.adjust"] == basis.encode()
            assert metadata[b"chronox.symbol"] == b"AAPL"
            assert metadata[b"chronox.timeframe"] == b"1d"

    raw, split = partition(tmp_path / "none", AAPL_2005), partition(tmp_path / "splits", AAPL_2005)
    assert prices(on(raw, DAY)) == RAW and on(raw, DAY)["volume"] == VOLUME
    assert prices(on(split, DAY)) == YAHOO and on(split, DAY)["volume"] == VOLUME * 56
    assert on(split, AFTER)["close"] == pytest.approx(on(raw, AFTER)["close"] / 28, rel=1e-12)

    # 2021: after every split (splits == none), before both dividends (all: x 0.997067).
    raw_2021 = partition(tmp_path / "none", AAPL_2021).column("close").to_pylist()
    split_2021 = partition(tmp_path / "splits", AAPL_2021).column("close").to_pylist()
    all_2021 = partition(tmp_path / "all", AAPL_2021).column("close").to_pylist()
    assert split_2021 == raw_2021
    assert all_2021 == pytest.approx([close * DIVIDENDS_2021 for close in raw_2021], rel=1e-9)

    text = sqlite_cli("export", "AAPL", "-t", "1d", "--path", str(tmp_path / "none"),
                      "--adjust", "none")  # fmt: skip
    assert text.code == 0 and "(prices: --adjust none)" in text.out


def test_an_export_on_another_basis_is_refused_and_writes_nothing(
    sqlite_cli: Cli, vendor: PolygonStub, tmp_path: Path
) -> None:
    ingest(sqlite_cli, DAY, AFTER)
    root = tmp_path / "dataset"
    export(sqlite_cli, root)  # the default basis: splits
    before = tree(root)
    for other in ("none", "all"):
        result = sqlite_cli("export", "AAPL", "-t", "1d", "--path", str(root), "--adjust", other)
        assert result.code == 2 and result.out == ""
        assert result.err == (
            f"error: {root} is a dataset of prices on the 'splits' basis, not '{other}': one "
            "dataset never mixes two; export to another directory, or into this one with "
            "--adjust splits\n"
        )
        assert tree(root) == before
    with connect(sqlite_cli.store) as cx:
        with pytest.raises(InvalidInput, match="on the 'splits' basis, not 'none'"):
            cx.export("AAPL", root, timeframe="1d", adjust="none")
        assert cx.export("AAPL", root, timeframe="1d").written == 0  # its own basis: fine
    assert tree(root) == before
    bad = sqlite_cli("export", "AAPL", "--path", str(root), "--adjust", "dividends")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "'dividends'" in bad.err


def test_a_dataset_exported_before_bases_were_recorded_is_split_adjusted(
    sqlite_cli: Cli, vendor: PolygonStub, tmp_path: Path
) -> None:
    ingest(sqlite_cli, DAY, AFTER)
    root = tmp_path / "dataset"
    export(sqlite_cli, root)
    manifest = json.loads((root / MANIFEST).read_text())
    del manifest["basis"]  # as an export before this change wrote it
    (root / MANIFEST).write_text(json.dumps(manifest))

    refused = sqlite_cli("export", "AAPL", "-t", "1d", "--path", str(root), "--adjust", "none")
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert "on the 'splits' basis (exported before datasets recorded their basis" in refused.err
    assert "basis" not in json.loads((root / MANIFEST).read_text())

    assert export(sqlite_cli, root)["adjust"] == "splits"
    assert json.loads((root / MANIFEST).read_text())["basis"] == "splits"


def test_a_new_split_rewrites_exactly_the_earlier_years(
    sqlite_cli: Cli, vendor: PolygonStub, tmp_path: Path
) -> None:
    vendor.reference.splits.remove(LAST_SPLIT)  # not known yet at the first export
    ingest(sqlite_cli, DAY, AFTER)
    ingest(sqlite_cli, date(2020, 1, 2), date(2020, 1, 8))
    ingest(sqlite_cli, date(2021, 1, 4), date(2021, 1, 8))
    split_root, raw_root = tmp_path / "splits", tmp_path / "none"
    assert sorted(written(export(sqlite_cli, split_root))) == [AAPL_2005, AAPL_2020, AAPL_2021]
    export(sqlite_cli, raw_root, "--adjust", "none")
    assert on(partition(split_root, AAPL_2005), DAY)["close"] == pytest.approx(RAW[3] / 14)
    kept_2021 = (split_root / AAPL_2021 / "part-0.parquet").stat().st_mtime_ns
    raw_files = tree(raw_root)

    # The same actions fetched again re-price nothing: nothing is written.
    assert sqlite_cli("actions", "sync", "AAPL", "--force").code == 0
    assert written(export(sqlite_cli, split_root)) == []

    vendor.reference.splits.append(LAST_SPLIT)
    vendor.reset_log()
    synced = sqlite_cli("actions", "sync", "AAPL", "--force")
    assert synced.code == 0, synced.err
    report = export(sqlite_cli, split_root)
    assert sorted(written(report)) == [AAPL_2005, AAPL_2020]  # the sessions before 2020-08-31
    assert report["partitions_unchanged"] == 1
    assert (split_root / AAPL_2021 / "part-0.parquet").stat().st_mtime_ns == kept_2021
    assert prices(on(partition(split_root, AAPL_2005), DAY)) == YAHOO
    raw_2020 = partition(raw_root, AAPL_2020).column("close").to_pylist()
    split_2020 = partition(split_root, AAPL_2020).column("close").to_pylist()
    assert split_2020 == pytest.approx([close / 4 for close in raw_2020], rel=1e-12)
    assert vendor.aggs_requests() == []  # no bar asked of the vendor for it

    # As traded, nothing changed: nothing is written.
    assert written(export(sqlite_cli, raw_root, "--adjust", "none")) == []
    assert tree(raw_root) == raw_files
