"""``chronox-cli export``: a Hive-partitioned Parquet dataset that DuckDB, polars and pandas
read in one line, re-exported partition by partition only where the content changed,
never left half-written. On SQLite and PostgreSQL (the ``cli`` fixture's stores)."""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from threading import Thread
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from chronox_adapters.frames import BAR_SCHEMA
from chronox_adapters.frames import dataset as parquet_dataset
from chronox_domain import Bar, BarBatch, Timeframe
from chronox_domain.errors import InvalidInput
from chronox_entrypoints.notebook import connect
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_errors import one_line_error

SPY_2024 = "timeframe=1m/symbol=SPY/year=2024"
SPY_2023 = "timeframe=1m/symbol=SPY/year=2023"


def ingest(cli: Cli, symbol: str, start: str, end: str) -> None:
    assert cli("ingest", symbol, "--start", start, "--end", end, "--json").code == 0


def export(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    result = cli("export", *args, "--path", str(path), "--json")
    assert result.code == 0, result.err
    report: dict[str, Any] = result.json()
    return report


def written(report: dict[str, Any]) -> list[str]:
    return [p["partition"] for p in report["partitions"] if p["written"]]


@pytest.fixture
def year_end(cli: Cli) -> Cli:
    """SPY across a new year (two partitions) and QQQ in 2024."""
    ingest(cli, "SPY", "2023-12-27", "2024-01-03")
    ingest(cli, "QQQ", "2024-01-02", "2024-01-03")
    return cli


def test_the_dataset_layout_schema_and_compression(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    report = export(year_end, root, "SPY", "QQQ")

    assert sorted(written(report)) == sorted(
        [SPY_2023, SPY_2024, "timeframe=1m/symbol=QQQ/year=2024"]
    )
    assert report["partitions_unchanged"] == 0 and report["demo"] is True
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))
    assert files == [f"timeframe=1m/symbol={s}/year={y}/part-0.parquet" for s, y in
                     (("QQQ", 2024), ("SPY", 2023), ("SPY", 2024))]  # fmt: skip
    for file in root.rglob("*.parquet"):
        meta = pq.ParquetFile(file).metadata
        assert pq.read_schema(file).remove_metadata() == BAR_SCHEMA
        assert {meta.row_group(0).column(i).compression for i in range(meta.num_columns)} == {
            "ZSTD"
        }
    assert json.loads((root / "_chronox_manifest.json").read_text())["partitions"].keys() == {
        p["partition"] for p in report["partitions"]
    }


def test_duckdb_polars_and_pandas_read_it_in_one_line(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY", "QQQ")
    with connect(year_end.store) as cx:
        spy = pd.concat(
            [cx.bars("SPY", "2023-12-27", "2023-12-29"), cx.bars("SPY", "2024-01-02", "2024-01-03")]
        )

    by_duckdb = duckdb.sql(
        "SELECT symbol, year, count(*) AS n, min(start) AS first "
        f"FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true) "
        "GROUP BY ALL ORDER BY symbol, year"
    ).fetchall()
    assert [(s, int(y), n) for s, y, n, _ in by_duckdb] == [
        ("QQQ", 2024, by_duckdb[0][2]), ("SPY", 2023, (spy.index.year == 2023).sum()),
        ("SPY", 2024, (spy.index.year == 2024).sum()),
    ]  # fmt: skip
    assert by_duckdb[1][3] == spy.index[0].to_pydatetime()

    by_polars = (
        pl.scan_parquet(f"{root}/**/*.parquet", hive_partitioning=True)
        .filter(pl.col("symbol") == "SPY")
        .sort("start")
        .collect()
    )
    assert by_polars["close"].to_list() == spy["close"].tolist()
    assert by_polars.schema["start"] == pl.Datetime("ns", "UTC")

    by_pandas = (
        pd.read_parquet(root, filters=[("symbol", "=", "SPY")]).set_index("start").sort_index()
    )
    pd.testing.assert_frame_equal(by_pandas[spy.columns], spy, check_freq=False, check_dtype=False)


def test_a_rerun_writes_only_the_partitions_whose_content_changed(
    year_end: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY", "QQQ")
    file_2023 = root / SPY_2023 / "part-0.parquet"
    before = file_2023.stat().st_mtime_ns

    again = export(year_end, root, "SPY", "QQQ")
    assert written(again) == [] and again["partitions_unchanged"] == 3

    ingest(year_end, "SPY", "2024-01-04", "2024-01-05")  # newly covered days in 2024 only
    assert written(export(year_end, root, "SPY", "QQQ")) == [SPY_2024]
    assert file_2023.stat().st_mtime_ns == before

    # A corrected price under an unchanged ledger (what a --refetch can bring) is a change.
    with connect(year_end.store) as cx:
        first = cx.bars("SPY", "2023-12-27", "2023-12-27").iloc[0]
        moment = first.name.to_pydatetime()
        fixed = Bar("SPY", Timeframe.M1, moment, first["open"], first["high"] + 1, first["low"],
                    first["close"], first["volume"], None, None)  # fmt: skip
        cx.container.repository().write(BarBatch("SPY", Timeframe.M1, [fixed], "synthetic", None))
    assert written(export(year_end, root, "SPY", "QQQ")) == [SPY_2023]
    assert pq.read_table(file_2023).column("high")[0].as_py() == first["high"] + 1

    (root / SPY_2024 / "part-0.parquet").unlink()  # a file gone is written again
    assert written(export(year_end, root, "SPY")) == [SPY_2024]


def test_the_range_picks_whole_years(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    report = export(year_end, root, "SPY", "--start", "2024-01-03", "--end", "2024-01-03")
    assert written(report) == [SPY_2024]
    stored = pq.read_table(root / SPY_2024 / "part-0.parquet")
    assert stored.num_rows == report["rows_written"]
    assert stored.column("start")[0].as_py() < datetime(2024, 1, 3, tzinfo=UTC)  # the whole year


def test_an_interrupted_write_leaves_no_partial_file(
    year_end: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY")
    target = root / SPY_2024 / "part-0.parquet"
    kept, manifest = target.read_bytes(), (root / "_chronox_manifest.json").read_text()
    ingest(year_end, "SPY", "2024-01-04", "2024-01-04")

    def disk_full(table: Any, where: Path, **options: Any) -> None:
        Path(where).write_bytes(b"PAR1 half a file")  # the writer dies mid-file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parquet_dataset.pq, "write_table", disk_full)
    failed = year_end("export", "SPY", "--path", str(root))

    assert failed.code == 4 and "No space left on device" in failed.err
    assert failed.err.count("\n") == 1  # one line, no traceback
    assert target.read_bytes() == kept  # the old file, whole
    assert (root / "_chronox_manifest.json").read_text() == manifest
    assert [p.name for p in target.parent.iterdir()] == ["part-0.parquet"]


def test_a_killed_exports_leftover_is_invisible_and_removed(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY")
    leftover = root / SPY_2024 / ".chronox-part-0.parquet.0123abcd.tmp"
    leftover.write_bytes(b"PAR1 half")  # what a SIGKILL mid-write leaves
    [(count,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/**/*.parquet')").fetchall()
    assert count > 0  # the glob skips it

    ingest(year_end, "SPY", "2024-01-04", "2024-01-04")
    export(year_end, root, "SPY")
    assert not leftover.exists()


def test_nothing_at_all_to_export_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "SPY", "QQQ", "--path", str(tmp_path / "empty"))
    assert result.code == 2 and result.out == ""
    assert (
        result.err
        == "error: nothing to export: no 1m bars of SPY, QQQ were ingested in this range\n"
    )
    assert not (tmp_path / "empty").exists()


def test_a_symbol_with_nothing_ingested_is_skipped_and_said(year_end: Cli, tmp_path: Path) -> None:
    report = export(year_end, tmp_path / "dataset", "QQQ", "ZZZ")
    assert written(report) == ["timeframe=1m/symbol=QQQ/year=2024"]
    assert report["skipped"] == ["ZZZ"]
    text = year_end("export", "QQQ", "ZZZ", "--path", str(tmp_path / "dataset"))
    assert text.code == 0 and "ZZZ: nothing ingested in this range, skipped" in text.out


def test_without_pyarrow_the_export_is_one_line_naming_the_extra(
    year_end: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in an install without the research extra: importing pyarrow fails.
    for name in [
        m
        for m in sys.modules
        if m == "pyarrow" or m.startswith(("pyarrow.", "chronox_adapters.frames"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = year_end("export", "SPY", "--path", str(tmp_path / "dataset"))
    assert result.code == 2 and result.err.count("\n") == 1
    assert "pyarrow is not installed" in result.err and "chronox[research]" in result.err


def test_a_file_where_the_directory_should_be_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "a-file"
    path.write_text("")
    result = cli("export", "SPY", "--path", str(path))
    assert result.code == 2 and "is a file" in result.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-t", "7m"], "unknown timeframe '7m'"),
        (["--start", "2024-01-03", "--end", "2024-01-02"], "is before start"),
        (["--start", "2024-13-01"], "2024-13-01"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    year_end: Cli, tmp_path: Path, args: list[str], says: str
) -> None:
    result = year_end("export", "SPY", "--path", str(tmp_path / "dataset"), *args)
    assert result.code == 2 and says in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert not (tmp_path / "dataset").exists()


def test_one_bound_is_completed_from_the_ledger(year_end: Cli, tmp_path: Path) -> None:
    assert written(export(year_end, tmp_path / "a", "SPY", "--end", "2023-12-29")) == [SPY_2023]
    assert written(export(year_end, tmp_path / "b", "SPY", "--start", "2024-01-02")) == [SPY_2024]
    past = year_end("export", "SPY", "--path", str(tmp_path / "c"), "--start", "2025-01-02")
    assert past.code == 2 and "nothing to export" in past.err


def test_a_rolled_up_timeframe_is_exported_rolled_up(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    report = export(year_end, root, "SPY", "-t", "1d")
    assert written(report) == [
        "timeframe=1d/symbol=SPY/year=2023",
        "timeframe=1d/symbol=SPY/year=2024",
    ]
    days = pq.read_table(root / "timeframe=1d/symbol=SPY/year=2024/part-0.parquet")
    assert [stamp.day for stamp in days.column("start").to_pylist()] == [2, 3]


def test_two_exports_into_one_dataset_at_once_lose_nothing(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    failures: list[BaseException] = []

    def run(symbol: str) -> None:
        try:
            with connect(year_end.store) as cx:
                cx.export(symbol, root)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [Thread(target=run, args=(symbol,)) for symbol in ("SPY", "QQQ")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    manifest = json.loads((root / "_chronox_manifest.json").read_text())
    assert sorted(manifest["partitions"]) == sorted(
        [SPY_2023, SPY_2024, "timeframe=1m/symbol=QQQ/year=2024"]
    )


# Trust at the edges: the export writes only into a directory that is its dataset (its
# manifest proves it) or a new or empty one, and a re-run checks what is on disk.

MANIFEST = "_chronox_manifest.json"


def refused(cli: Cli, path: Path, says: str) -> str:
    result = cli("export", "SPY", "--path", str(path))
    assert result.code == 2 and result.out == "", result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert says in result.err, result.err
    return result.err


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def count(root: Path) -> int:
    [(rows,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/**/*.parquet')").fetchall()
    return int(rows)


def test_a_directory_holding_a_users_files_is_refused_and_left_as_it_was(
    year_end: Cli, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("three years of work")
    refused(year_end, home, "is not empty and is not a chronox dataset")
    assert tree(home) == {"thesis.txt": b"three years of work"}


def test_an_export_inside_another_dataset_is_refused(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY")
    before = tree(root)
    for inside in (root / "more", root / SPY_2024):
        refused(year_end, inside, f"is inside the chronox dataset at {root}")
    assert tree(root) == before and not (root / "more").exists()
    assert count(root) == sum(p["rows"] for p in export(year_end, root, "SPY")["partitions"])


def test_a_directory_holding_a_dataset_is_refused(year_end: Cli, tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    export(year_end, outer / "inner", "SPY")
    refused(year_end, outer, f"holds the chronox dataset at {outer / 'inner'}")
    assert not (outer / MANIFEST).exists()

    # A dataset with another one inside it (as an older chronox let happen): refused too.
    export(year_end, tmp_path / "a", "QQQ")
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "b" / MANIFEST).write_bytes((outer / "inner" / MANIFEST).read_bytes())
    refused(year_end, tmp_path / "a", f"holds the chronox dataset at {tmp_path / 'a' / 'b'}")


def test_an_empty_directory_becomes_a_dataset_whose_manifest_records_each_file(
    year_end: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    report = export(year_end, root, "SPY")
    assert report["repaired"] == [] and report["foreign"] == []
    recorded = json.loads((root / MANIFEST).read_text())["partitions"]
    for key, entry in recorded.items():
        file = root / key / "part-0.parquet"
        assert entry["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
        assert entry["rows"] == pq.ParquetFile(file).metadata.num_rows
    again = export(year_end, root, "SPY")  # its own dataset: verified, nothing to do
    assert written(again) == [] and again["repaired"] == []


def test_a_partition_truncated_by_hand_is_repaired(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    first = export(year_end, root, "SPY")
    rows = sum(p["rows"] for p in first["partitions"])
    file = root / SPY_2024 / "part-0.parquet"
    whole = file.read_bytes()
    file.write_bytes(whole[: len(whole) // 2])

    text = year_end("export", "SPY", "--path", str(root))
    assert text.code == 0 and f"{SPY_2024}: " in text.out and "repaired (truncated" in text.out
    assert file.read_bytes() == whole and count(root) == rows
    again = export(year_end, root, "SPY")
    assert again["repaired"] == [] and written(again) == []


def test_a_partition_replaced_by_other_valid_parquet_is_repaired(
    year_end: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY", "QQQ")
    qqq = root / "timeframe=1m/symbol=QQQ/year=2024/part-0.parquet"
    spy = root / SPY_2024 / "part-0.parquet"
    whole = spy.read_bytes()
    spy.write_bytes(qqq.read_bytes())  # a valid file of the same year, the wrong bars

    report = export(year_end, root, "SPY", "QQQ")
    assert report["repaired"] == [SPY_2024] and written(report) == [SPY_2024]
    [part] = [p for p in report["partitions"] if p["partition"] == SPY_2024]
    assert "replaced" in part["repaired"]
    assert spy.read_bytes() == whole


def test_a_dataset_whose_manifest_was_deleted_is_refused_saying_what_to_do(
    year_end: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY")
    (root / MANIFEST).unlink()
    before = tree(root)
    err = refused(year_end, root, f"its manifest {MANIFEST} is missing")
    assert "export to a new directory, or delete" in err
    assert tree(root) == before


def test_a_dataset_of_the_previous_version_is_verified_and_given_checksums(
    year_end: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "dataset"
    export(year_end, root, "SPY")
    manifest = json.loads((root / MANIFEST).read_text())
    for entry in manifest["partitions"].values():  # as the previous version wrote it
        del entry["sha256"]
    (root / MANIFEST).write_text(json.dumps(manifest))
    file = root / SPY_2023 / "part-0.parquet"
    before = file.stat().st_mtime_ns

    truncated = pq.read_table(root / SPY_2024 / "part-0.parquet").slice(0, 5)
    pq.write_table(truncated, root / SPY_2024 / "part-0.parquet")  # fewer rows than recorded

    report = export(year_end, root, "SPY")
    assert report["repaired"] == [SPY_2024] and written(report) == [SPY_2024]
    assert file.stat().st_mtime_ns == before  # whole: kept, and now checksummed
    recorded = json.loads((root / MANIFEST).read_text())["partitions"]
    assert recorded[SPY_2023]["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()


def test_a_stray_parquet_file_in_the_dataset_is_reported(year_end: Cli, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    first = export(year_end, root, "SPY")
    stray = root / "timeframe=1m/symbol=SPY/copy.parquet"
    stray.write_bytes((root / SPY_2024 / "part-0.parquet").read_bytes())

    report = export(year_end, root, "SPY")
    assert report["foreign"] == ["timeframe=1m/symbol=SPY/copy.parquet"]
    assert written(report) == [] and report["rows_written"] == 0
    rows = [(p["partition"], p["rows"]) for p in report["partitions"]]
    assert rows == [(p["partition"], p["rows"]) for p in first["partitions"]]
    text = year_end("export", "SPY", "--path", str(root))
    assert text.code == 0 and "timeframe=1m/symbol=SPY/copy.parquet is not part of" in text.err
    assert stray.exists()  # someone's file: reported, never deleted


def test_the_notebooks_export_follows_the_same_rule(year_end: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("three years of work")
    with connect(year_end.store) as cx:
        with pytest.raises(InvalidInput, match="is not empty and is not a chronox dataset"):
            cx.export("SPY", home)
        root = tmp_path / "dataset"
        cx.export("SPY", root)
        (root / SPY_2024 / "part-0.parquet").unlink()
        assert [p.key for p in cx.export("SPY", root).repaired] == [SPY_2024]
    assert tree(home) == {"thesis.txt": b"three years of work"}


def test_the_root_directory_is_refused_in_one_line(year_end: Cli) -> None:
    # The search for a dataset below / met directories this process may not read
    # (/proc/1/cwd): 'writing the dataset at / failed: Permission denied', exit 4.
    before = set(Path("/").iterdir())
    result = year_end("export", "SPY", "--start", "2023-12-28", "--end", "2024-01-02",
                      "--path", "/")  # fmt: skip
    one_line_error(result, 2, "/")
    assert set(Path("/").iterdir()) == before
