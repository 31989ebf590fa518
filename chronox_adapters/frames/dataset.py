"""A Hive-partitioned Parquet dataset of bars: ``DIR/timeframe=1m/symbol=SPY/year=2024/
part-0.parquet``, zstd, one schema (:data:`BAR_SCHEMA`), and ``DIR/_chronox_manifest.json``
recording each partition's fingerprint at its last export.

Nothing is ever half-written in place. A file is written under a hidden temporary name
in its own directory (a leading dot and no ``.parquet`` suffix: DuckDB's and polars'
``**/*.parquet`` globs and pyarrow's discovery all skip it), flushed to disk, then renamed
over the old one, and the directory flushed so the rename survives a power cut. The
manifest is replaced the same way, after the file: a crash in between leaves an old
fingerprint, so the next export writes that partition again. Temporary files a killed
export left behind are removed by the next one.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chronox_adapters.frames.convert import to_arrow
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidInput, StorageUnavailable

MANIFEST = "_chronox_manifest.json"
PART = "part-0.parquet"
COMPRESSION = "zstd"
_TEMPORARY = ".chronox-"  # prefix of files being written
_LOCK = ".chronox-lock"


def parquet_bytes(columns: BarColumns, metadata: dict[str, str] | None = None) -> bytes:
    """One Parquet file of ``columns`` in memory: the dataset's schema and compression
    (what ``GET /bars?format=parquet`` sends), ``metadata`` in its schema."""
    table = to_arrow(columns)
    if metadata:
        table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=COMPRESSION)
    return bytes(sink.getvalue())


class ParquetDataset:
    """``BarDataset`` in a directory (created when missing). Exports into one dataset
    take turns, partition by partition (a lock file held while a partition's file and
    the manifest are replaced): two at once lose no manifest entry."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InvalidInput(f"{self.root} is not a directory")

    def recorded(self) -> dict[str, str]:
        partitions = _load(self.root / MANIFEST)["partitions"]
        return {
            key: str(entry.get("fingerprint"))
            for key, entry in partitions.items()
            if isinstance(entry, dict) and (self.root / key / PART).is_file()
        }

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        directory = self.root / key
        with _storage_errors(directory):
            directory.mkdir(parents=True, exist_ok=True)
            with _locked(self.root):
                _remove_leftovers(directory)
                with _replacing(directory / PART) as temporary:
                    pq.write_table(to_arrow(columns), temporary, compression=COMPRESSION)
                manifest = _load(self.root / MANIFEST)  # as on disk now, not as first read
                manifest["partitions"][key] = {
                    "fingerprint": fingerprint,
                    "rows": len(columns),
                    "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                with _replacing(self.root / MANIFEST) as temporary:
                    temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True))


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """An exclusive advisory lock on the dataset (``flock``: released by the kernel if
    the process dies, so a killed export never leaves it held)."""
    with open(root / _LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(path: Path) -> dict[str, Any]:
    """The manifest; a missing, unreadable or foreign one is an empty one (every
    partition is then written again, which is always safe)."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        found = None
    if isinstance(found, dict) and isinstance(found.get("partitions"), dict):
        return found
    return {"format": 1, "partitions": {}}


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for the block to write; on success it is
    flushed and renamed over ``target``; on failure removed."""
    temporary = target.with_name(f"{_TEMPORARY}{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(target.parent)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_leftovers(directory: Path) -> None:
    for leftover in directory.glob(f"{_TEMPORARY}*.tmp"):
        leftover.unlink(missing_ok=True)


@contextmanager
def _storage_errors(where: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageUnavailable(f"writing the dataset at {where} failed: {exc}") from None
