"""A Hive-partitioned Parquet dataset of bars: ``DIR/timeframe=1m/symbol=SPY/year=2024/
part-0.parquet``, zstd, one schema (:data:`BAR_SCHEMA`), and ``DIR/_chronox_manifest.json``
(:mod:`.manifest`) recording each partition's fingerprint at its last export and the
rows, size and sha256 of the file written.

Nothing is ever half-written in place (:mod:`.atomic`): a file is written under a
hidden temporary name beside it, flushed, then renamed over the old one. The manifest is
replaced the same way, after the file: a crash in between leaves an old fingerprint, so
the next export writes that partition again. Temporary files a killed export left
behind are removed by the next one. A file changed on disk since (truncated, replaced,
deleted) no longer matches its recorded size and checksum: :meth:`ParquetDataset.verify`
says so, and the export writes it again.

A dataset is on one price basis (``none``, ``splits``, ``all``), recorded in its manifest
when it is made; :meth:`ParquetDataset.claim` refuses a dataset on another one, before
anything is written, and each file names its basis (``chronox.adjust``) with its series
in its schema's metadata, as a file of ``GET /bars?format=parquet`` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chronox_adapters.frames import manifest
from chronox_adapters.frames.atomic import locked, remove_leftovers, replacing
from chronox_adapters.frames.convert import to_arrow
from chronox_domain.actions import DEFAULT_BASIS, PriceBasis
from chronox_domain.columns import BarColumns
from chronox_domain.errors import InvalidInput, StorageUnavailable

MANIFEST = manifest.MANIFEST
PART = "part-0.parquet"
COMPRESSION = "zstd"

#: What a partition's file says about itself, in its schema's metadata.
Describe = Callable[[BarColumns, PriceBasis], Mapping[str, str]]


def parquet_bytes(columns: BarColumns, metadata: dict[str, str] | None = None) -> bytes:
    """One Parquet file of ``columns`` in memory: the dataset's schema and compression
    (what ``GET /bars?format=parquet`` sends), ``metadata`` in its schema."""
    table = to_arrow(columns)
    if metadata:
        table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=COMPRESSION)
    return bytes(sink.getvalue())


def basis_only(columns: BarColumns, basis: PriceBasis) -> dict[str, str]:
    """The least a file says: its series and its price basis."""
    return {
        "chronox.symbol": columns.symbol,
        "chronox.timeframe": columns.timeframe.value,
        "chronox.adjust": basis.value,
    }


class ParquetDataset:
    """``BarDataset`` in a directory, of prices on ``basis``. Exports into one dataset
    take turns, partition by partition (a lock on the directory held while a partition's
    file and the manifest are replaced): two at once lose no manifest entry.

    ``describe`` gives each file's schema metadata from its bars and the basis."""

    def __init__(
        self,
        root: str | Path,
        basis: PriceBasis = DEFAULT_BASIS,
        describe: Describe = basis_only,
    ) -> None:
        self.root = Path(root)
        self.basis = basis
        self._describe = describe
        if self.root.exists() and not self.root.is_dir():
            raise InvalidInput(f"{self.root} is a file, not a directory")
        #: The manifest as :meth:`recorded` read it, which :meth:`verify` checks against.
        self._seen: dict[str, Any] | None = None

    def claim(self) -> None:
        with _storage_errors(self.root):
            manifest.refuse_inside_a_dataset(self.root)  # before creating anything in it
            self.root.mkdir(parents=True, exist_ok=True)
            with locked(self.root):  # two exports claiming one empty directory at once
                manifest.refuse_unless_ours(self.root)
                if not (self.root / MANIFEST).exists():
                    manifest.save(self.root, manifest.empty(self.basis.value))
                    return
                found = manifest.load(self.root)
                manifest.refuse_another_basis(self.root, found, self.basis.value)
                if "basis" not in found:  # an older export's: now recorded
                    manifest.save(self.root, {**found, "basis": self.basis.value})

    def recorded(self) -> dict[str, str]:
        self._seen = manifest.load(self.root)
        return {
            key: str(entry.get("fingerprint"))
            for key, entry in self._seen["partitions"].items()
            if isinstance(entry, dict)
        }

    def verify(self, key: str) -> str | None:
        seen = self._seen if self._seen is not None else manifest.load(self.root)
        entry = seen["partitions"].get(key)
        file = self.root / key / PART
        with _storage_errors(file):
            if not isinstance(entry, dict):
                return "not in the manifest"
            if not file.is_file():
                return "its file is missing"
            if isinstance(entry.get("sha256"), str):
                return _compared(file, entry)
            return self._checksummed(key, file, entry)

    def _checksummed(self, key: str, file: Path, entry: dict[str, Any]) -> str | None:
        """A partition an older export recorded without a checksum: whole if its file
        reads back with the recorded rows (all it recorded), and then checksummed."""
        try:
            rows = pq.ParquetFile(file).metadata.num_rows
        except (ValueError, pa.ArrowException):
            return "its file is unreadable"
        if rows != entry.get("rows"):
            return f"its file holds {rows} rows, {entry.get('rows')} recorded"
        with locked(self.root):
            current = manifest.load(self.root)  # as on disk now, not as first read
            if current["partitions"].get(key) == entry:
                current["partitions"][key] = {**entry, **_contents(file)}
                manifest.save(self.root, current)
        return None

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        directory = self.root / key
        with _storage_errors(directory):
            directory.mkdir(parents=True, exist_ok=True)
            with locked(self.root):
                current = manifest.load(self.root)  # as on disk now, not as first read
                manifest.refuse_another_basis(self.root, current, self.basis.value)
                remove_leftovers(directory)
                table = to_arrow(columns).replace_schema_metadata(
                    dict(self._describe(columns, self.basis))
                )
                with replacing(directory / PART) as temporary:
                    pq.write_table(table, temporary, compression=COMPRESSION)
                    contents = _contents(temporary)
                current["partitions"][key] = {
                    "fingerprint": fingerprint,
                    "rows": len(columns),
                    **contents,
                    "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                manifest.save(self.root, current)

    def foreign(self) -> list[str]:
        own = {PurePath(key) / PART for key in manifest.load(self.root)["partitions"]}
        with _storage_errors(self.root):
            return sorted(
                str(relative)
                for relative in (path.relative_to(self.root) for path in self.root.rglob("*"))
                if relative not in own
                and _read_with_the_dataset(relative)
                and (self.root / relative).is_file()
            )


def _read_with_the_dataset(relative: PurePath) -> bool:
    """Whether a reader of the dataset picks this file up: a ``**/*.parquet`` glob
    (DuckDB, polars) takes any ``.parquet``; pyarrow's (and pandas') directory scan
    every file but those under a name starting with ``.`` or ``_``."""
    return relative.suffix == ".parquet" or not any(
        part.startswith((".", "_")) for part in relative.parts
    )


def _contents(file: Path) -> dict[str, Any]:
    """What a partition's file is recorded as holding, to check it against later."""
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return {"bytes": file.stat().st_size, "sha256": digest.hexdigest()}


def _compared(file: Path, entry: dict[str, Any]) -> str | None:
    """Why ``file`` is not the one ``entry`` records; None when it is."""
    size, recorded = file.stat().st_size, entry.get("bytes")
    if isinstance(recorded, int) and size < recorded:
        return f"truncated: its file has {size} of the {recorded} bytes written"
    if _contents(file)["sha256"] != entry["sha256"]:
        return "replaced: its file is not the one written (checksum differs)"
    return None


@contextmanager
def _storage_errors(where: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageUnavailable(f"writing the dataset at {where} failed: {exc}") from None
