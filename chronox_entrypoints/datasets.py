"""Bars as Parquet, for the export and ``GET /bars?format=parquet``: the Parquet family
(pyarrow) is imported when a file or a dataset is made, so no other command pays for it;
and what a frame or a file says about its series, the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronox_domain.actions import PriceBasis
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidInput
from chronox_domain.ports import BarDataset

if TYPE_CHECKING:  # the bars service loads with the commands that read bars
    from chronox_domain.services.bars import BarTable

RESEARCH_EXTRA = "pip install 'chronox[research]'"


def parquet_dataset(root: str | Path, basis: PriceBasis) -> BarDataset:
    """The Hive-partitioned Parquet dataset in directory ``root``, of prices on
    ``basis``: it refuses to be written on another one. Each file names its series and
    basis in its metadata as a ``GET /bars?format=parquet`` file does."""
    dataset: BarDataset = _parquet_family().ParquetDataset(root, basis, partition_metadata)
    return dataset


def partition_metadata(columns: BarColumns, basis: PriceBasis) -> dict[str, str]:
    """What a dataset's file says about itself: the keys of :func:`schema_metadata`
    that its bars and the dataset's basis tell (the series and ``chronox.adjust``)."""
    return _as_metadata(
        {"symbol": columns.symbol, "timeframe": columns.timeframe.value, "adjust": basis.value}
    )


def parquet_file(table: BarTable) -> bytes:
    """The bars of ``table`` as one Parquet file of the dataset's schema, naming the
    series and its provenance in the file's metadata."""
    data: bytes = _parquet_family().parquet_bytes(table.columns, schema_metadata(table))
    return data


def series_attrs(table: BarTable) -> dict[str, Any]:
    """What a frame of ``table`` says about itself (``DataFrame.attrs``): the series,
    its sources (None: nothing stored), whether it is rolled up from 1m bars, whether
    it is demo data, its price basis."""
    provenance = table.provenance
    return {
        "symbol": table.symbol,
        "timeframe": table.timeframe.value,
        "source": ",".join(provenance.sources) or None,
        "derived_from": "1m" if provenance.derived else None,
        "demo": provenance.demo,
        #: The price basis (none, splits, all): a reader never mixes two.
        "adjust": table.basis.value,
    }


def schema_metadata(table: BarTable) -> dict[str, str]:
    """:func:`series_attrs` as Arrow/Parquet schema metadata (``chronox.symbol``...)."""
    return _as_metadata(series_attrs(table))


def _as_metadata(attrs: dict[str, Any]) -> dict[str, str]:
    return {f"chronox.{k}": str(v) for k, v in attrs.items() if v is not None}


def parquet_missing(exc: ImportError) -> InvalidInput:
    """The one clear error, rather than ``exc``, where the Parquet family is missing."""
    return InvalidInput(
        f"Parquet needs pyarrow, pandas and numpy ({exc.name} is not installed): {RESEARCH_EXTRA}"
    )


def _parquet_family() -> Any:
    """``chronox_adapters.frames.dataset``, or one clear error when pyarrow is missing."""
    try:
        from chronox_adapters.frames import dataset
    except ImportError as exc:
        raise parquet_missing(exc) from None
    return dataset
