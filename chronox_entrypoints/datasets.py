"""Opening a dataset of bar files for an export: the Parquet family (pyarrow) is
imported when one is opened, so no other command pays for it."""

from __future__ import annotations

from pathlib import Path

from chronox_domain.errors import InvalidInput
from chronox_domain.ports import BarDataset

RESEARCH_EXTRA = "pip install 'chronox[research]'"


def parquet_dataset(root: str | Path) -> BarDataset:
    """The Hive-partitioned Parquet dataset in directory ``root``."""
    try:
        from chronox_adapters.frames.dataset import ParquetDataset
    except ImportError as exc:
        raise InvalidInput(
            f"the Parquet export needs pyarrow and pandas ({exc.name} is missing): {RESEARCH_EXTRA}"
        ) from None
    return ParquetDataset(root)
