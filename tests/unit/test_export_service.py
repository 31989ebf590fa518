"""ExportService on the memory store, with a dataset fake that honours the BarDataset
port: which partitions a range makes, that a re-run writes only what changed and repairs
what was damaged on disk, and that nothing is written where the dataset is not ours.
(The Parquet files themselves: tests/e2e/test_cli_export.py, on real stores.)"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chronox_domain import Timeframe
from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    PriceBasis,
    StockSplit,
)
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


# The price basis: what a new split or dividend re-prices is rewritten, nothing else.

FETCHED = datetime(2024, 6, 1, tzinfo=UTC)
SPY_2023, SPY_2024 = "timeframe=1m/symbol=SPY/year=2023", "timeframe=1m/symbol=SPY/year=2024"


def split(day: date, ratio: float = 2.0) -> StockSplit:
    return StockSplit("SPY", day, 1.0, ratio, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


def dividend(day: date) -> CashDividend:
    return CashDividend("SPY", day, 0.5, "USD", FETCHED, historical_adjustment_factor=0.99)


def put(app: Container, *actions: StockSplit | CashDividend, fetched: datetime = FETCHED) -> None:
    splits = tuple(a for a in actions if isinstance(a, StockSplit))
    dividends = tuple(a for a in actions if isinstance(a, CashDividend))
    app.action_store().put_actions(CorporateActions("SPY", splits, dividends, fetched_at=fetched))


def exported(app: Container, dataset: DictDataset, basis: PriceBasis) -> list[str]:
    """The partitions an export on ``basis`` writes."""
    dataset.writes.clear()
    report = app.export().export(dataset, ["SPY"], M1, basis=basis)
    assert report.basis is basis
    return dataset.writes


@pytest.fixture
def two_years(stack: Stack) -> Container:
    """SPY's last sessions of 2023 and first of 2024 (from 2024-01-02)."""
    app = stack()
    ingest(app, "SPY", date(2023, 12, 28), date(2024, 1, 3))
    return app


def test_a_new_split_rewrites_the_partitions_holding_a_session_before_it(
    two_years: Container,
) -> None:
    app = two_years
    on = {basis: DictDataset() for basis in PriceBasis}
    for basis, dataset in on.items():
        assert exported(app, dataset, basis) == [SPY_2023, SPY_2024]

    put(app, split(date(2024, 1, 3)))  # re-prices 2023 and 2024-01-02
    assert exported(app, on[PriceBasis.SPLITS], PriceBasis.SPLITS) == [SPY_2023, SPY_2024]
    assert exported(app, on[PriceBasis.ALL], PriceBasis.ALL) == [SPY_2023, SPY_2024]
    assert exported(app, on[PriceBasis.NONE], PriceBasis.NONE) == []
    prices = on[PriceBasis.SPLITS].files[SPY_2023].close
    raw = on[PriceBasis.NONE].files[SPY_2023].close
    assert list(prices) == [close / 2 for close in raw]

    # One on 2024's first session re-prices 2023 only (that session traded on it).
    put(app, split(date(2024, 1, 3)), split(date(2024, 1, 2), 3.0))
    assert exported(app, on[PriceBasis.SPLITS], PriceBasis.SPLITS) == [SPY_2023]

    # The same actions fetched again re-price nothing.
    put(app, split(date(2024, 1, 3)), split(date(2024, 1, 2), 3.0), fetched=datetime.now(UTC))
    assert exported(app, on[PriceBasis.SPLITS], PriceBasis.SPLITS) == []


def test_a_new_dividend_rewrites_only_the_dataset_on_all(two_years: Container) -> None:
    app = two_years
    on = {basis: DictDataset() for basis in PriceBasis}
    for basis, dataset in on.items():
        exported(app, dataset, basis)
    put(app, dividend(date(2024, 1, 3)))
    assert exported(app, on[PriceBasis.ALL], PriceBasis.ALL) == [SPY_2023, SPY_2024]
    assert exported(app, on[PriceBasis.SPLITS], PriceBasis.SPLITS) == []
    assert exported(app, on[PriceBasis.NONE], PriceBasis.NONE) == []
