"""ExportService on the memory store, with a dataset fake that honours the BarDataset
port: which partitions a range makes, that a re-run writes only what changed and repairs
what was damaged on disk, and that nothing is written where the dataset is not ours.
(The Parquet files themselves: tests/e2e/test_cli_export.py, on real stores.)"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import pytest

from chronox_domain import Timeframe
from chronox_domain.columns import COLUMNS, BarColumns
from chronox_domain.errors import InvalidInput, NotFound
from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.container import Container
from tests.conftest import Stack

M1 = Timeframe.M1


class DictDataset:
    """A ``BarDataset`` in memory: the files as columns, the manifest as a dict of each
    partition's fingerprint and the checksum of the file written. ``refusal``: the
    directory is not ours (``claim`` refuses); ``stray``: files that are not the
    dataset's own."""

    def __init__(self, refusal: str | None = None) -> None:
        self.files: dict[str, BarColumns] = {}
        self.manifest: dict[str, tuple[str, str]] = {}
        self.writes: list[str] = []
        self.refusal = refusal
        self.claimed = False
        self.stray: list[str] = []

    def claim(self) -> None:
        if self.refusal is not None:
            raise InvalidInput(self.refusal)
        self.claimed = True

    def recorded(self) -> dict[str, str]:
        return {key: fingerprint for key, (fingerprint, _) in self.manifest.items()}

    def verify(self, key: str) -> str | None:
        if key not in self.files:
            return "its file is missing"
        if checksum(self.files[key]) != self.manifest[key][1]:
            return "its file is not the one written"
        return None

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        assert self.claimed, "written before the dataset was claimed"
        self.files[key] = columns
        self.manifest[key] = (fingerprint, checksum(columns))
        self.writes.append(key)

    def foreign(self) -> list[str]:
        return sorted(self.stray)


def checksum(columns: BarColumns) -> str:
    digest = hashlib.sha256()
    for column in columns.arrays():
        digest.update(column)
    return digest.hexdigest()


def first_rows(columns: BarColumns, rows: int) -> BarColumns:
    """``columns`` cut short, as a file truncated by hand."""
    return replace(columns, **{name: getattr(columns, name)[:rows] for name in COLUMNS})


def ingest(app: Container, symbol: str, start: date, end: date) -> None:
    app.ingestion().ingest(IngestRequest((symbol,), M1, start=start, end=end))


def test_a_range_across_new_year_makes_one_partition_per_year(stack: Stack) -> None:
    app = stack()
    ingest(app, "SPY", date(2023, 12, 28), date(2024, 1, 3))
    dataset = DictDataset()
    report = app.export().export(dataset, ["SPY"], M1)
    assert [p.key for p in report.partitions] == [
        "timeframe=1m/symbol=SPY/year=2023",
        "timeframe=1m/symbol=SPY/year=2024",
    ]
    assert all(p.written for p in report.partitions) and report.demo
    # A partition holds its year's bars, and every bar is in exactly one of them.
    stored = sum(1 for _ in app.bars().bars("SPY", M1, date(2023, 12, 28), date(2024, 1, 3)))
    assert sum(len(c.start_ns) for c in dataset.files.values()) == stored == report.rows_written


def test_a_rerun_writes_only_the_partitions_whose_content_changed(stack: Stack) -> None:
    app = stack()
    ingest(app, "SPY", date(2023, 12, 28), date(2023, 12, 29))
    ingest(app, "SPY", date(2024, 1, 2), date(2024, 1, 2))
    dataset = DictDataset()
    app.export().export(dataset, ["SPY"], M1)
    dataset.writes.clear()

    again = app.export().export(dataset, ["SPY"], M1)
    assert dataset.writes == [] and again.written == 0 and again.unchanged == 2

    ingest(app, "SPY", date(2024, 1, 3), date(2024, 1, 3))  # new coverage in 2024 only
    changed = app.export().export(dataset, ["SPY"], M1)
    assert dataset.writes == ["timeframe=1m/symbol=SPY/year=2024"]
    assert (changed.written, changed.unchanged) == (1, 1)

    del dataset.files["timeframe=1m/symbol=SPY/year=2023"]  # a file deleted by hand
    dataset.writes.clear()
    app.export().export(dataset, ["SPY"], M1)
    assert dataset.writes == ["timeframe=1m/symbol=SPY/year=2023"]


def test_nothing_ingested_at_all_is_not_found_and_a_missing_symbol_is_skipped(
    stack: Stack,
) -> None:
    app = stack()
    with pytest.raises(NotFound):
        app.export().export(DictDataset(), ["SPY"], M1)
    ingest(app, "SPY", date(2024, 1, 2), date(2024, 1, 2))
    report = app.export().export(DictDataset(), ["SPY", "QQQ"], M1)
    assert report.skipped == ["QQQ"] and len(report.partitions) == 1


def test_a_dataset_that_is_not_ours_is_refused_before_anything_is_written(stack: Stack) -> None:
    app = stack()
    ingest(app, "SPY", date(2024, 1, 2), date(2024, 1, 2))
    dataset = DictDataset(refusal="bars/ is not empty and is not a chronox dataset")
    with pytest.raises(InvalidInput, match="not a chronox dataset"):
        app.export().export(dataset, ["SPY"], M1)
    assert dataset.writes == [] and dataset.manifest == {}


def test_a_partition_damaged_on_disk_is_rewritten_and_reported_repaired(stack: Stack) -> None:
    app = stack()
    ingest(app, "SPY", date(2023, 12, 28), date(2024, 1, 3))
    dataset = DictDataset()
    app.export().export(dataset, ["SPY"], M1)
    y2023, y2024 = "timeframe=1m/symbol=SPY/year=2023", "timeframe=1m/symbol=SPY/year=2024"
    whole = dataset.files[y2024]
    dataset.files[y2024] = first_rows(whole, 3)  # truncated by hand; the manifest unchanged
    dataset.writes.clear()

    report = app.export().export(dataset, ["SPY"], M1)
    assert dataset.writes == [y2024] and dataset.files[y2024] == whole
    assert [(p.key, p.repaired) for p in report.partitions] == [
        (y2023, None),
        (y2024, "its file is not the one written"),
    ]
    assert [p.key for p in report.repaired] == [y2024]
    assert (report.written, report.unchanged) == (1, 1)

    del dataset.files[y2023]  # a file deleted by hand is a repair too
    assert [p.key for p in app.export().export(dataset, ["SPY"], M1).repaired] == [y2023]
    assert app.export().export(dataset, ["SPY"], M1).repaired == []


def test_files_that_are_not_the_datasets_own_are_reported_not_counted(stack: Stack) -> None:
    app = stack()
    ingest(app, "SPY", date(2024, 1, 2), date(2024, 1, 2))
    dataset = DictDataset()
    first = app.export().export(dataset, ["SPY"], M1)
    dataset.stray = ["copy of SPY.parquet"]
    again = app.export().export(dataset, ["SPY"], M1)
    assert first.foreign == [] and again.foreign == ["copy of SPY.parquet"]
    assert [p.key for p in again.partitions] == [p.key for p in first.partitions]
