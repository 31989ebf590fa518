"""One Parquet file written as it is sent: a row group per table of bars, each group's
bytes handed on as soon as it is written, so a file of any length holds one table of
memory, never the range.

The file has the export's schema and compression (``chronox_adapters.frames``), and
the series and its provenance in its schema metadata, as ``chronox-cli export`` writes
them. pyarrow (the ``research`` extra) is imported on the first call; without it the
caller gets the same clear ``InvalidInput`` as everywhere else Parquet is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from chronox_domain.services.bars import BarTable
from chronox_entrypoints.datasets import parquet_missing, schema_metadata


class _Drain:
    """The file object the writer writes to: it keeps what was written since the last
    ``take`` (the bytes not yet sent), and counts everything for ``tell``."""

    closed = False

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._written = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._pending.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        taken = b"".join(self._pending)
        self._pending.clear()
        return taken


def parquet_stream(tables: Iterator[BarTable]) -> Iterator[bytes]:
    """The bytes of one Parquet file of ``tables`` (consecutive parts of one series,
    the first one present even when empty), a piece per table. pyarrow is imported
    now, so that a server without it refuses before an answer starts."""
    family = _parquet_family()
    return _written(family, tables)


def _written(family: tuple[Any, Any, Any, Any, str], tables: Iterator[BarTable]) -> Iterator[bytes]:
    pa, pq, to_arrow, schema, compression = family
    first = next(tables)
    drain = _Drain()
    sink = pa.PythonFile(drain, mode="w")
    metadata = schema.with_metadata(schema_metadata(first))
    with pq.ParquetWriter(sink, metadata, compression=compression) as writer:
        for table in chain([first], tables):
            if len(table.columns):
                writer.write_table(to_arrow(table.columns))
            yield drain.take()
    yield drain.take()  # the footer


def _parquet_family() -> tuple[Any, Any, Any, Any, str]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from chronox_adapters.frames import BAR_SCHEMA, to_arrow
        from chronox_adapters.frames.dataset import COMPRESSION
    except ImportError as exc:
        raise parquet_missing(exc) from None
    return pa, pq, to_arrow, BAR_SCHEMA, COMPRESSION
