"""ExportService on the memory store, with a dataset fake that honours the BarDataset
port: which partitions a range makes, and that a re-run writes only what changed.
(The Parquet files themselves: tests/e2e/test_cli_export.py, on real stores.)"""

from __future__ import annotations

from datetime import date

import pytest

from chronox_domain import Timeframe
from chronox_domain.columns import BarColumns
from chronox_domain.errors import NotFound
from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.container import Container
from tests.conftest import Stack

M1 = Timeframe.M1


class DictDataset:
    """A ``BarDataset`` in memory: the files as columns, the manifest as a dict."""

    def __init__(self) -> None:
        self.files: dict[str, BarColumns] = {}
        self.manifest: dict[str, str] = {}
        self.writes: list[str] = []

    def recorded(self) -> dict[str, str]:
        return {key: fp for key, fp in self.manifest.items() if key in self.files}

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        self.files[key] = columns
        self.manifest[key] = fingerprint
        self.writes.append(key)


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
