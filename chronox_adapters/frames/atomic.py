"""Files replaced whole, and a dataset directory's lock: what lets a reader, a crash or
a second export never see half of a write.

A file is written under a hidden temporary name in its own directory (a leading dot and
no ``.parquet`` suffix: DuckDB's and polars' ``**/*.parquet`` globs and pyarrow's
discovery all skip it), flushed to disk, then renamed over the old one, and the
directory flushed so the rename survives a power cut.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Prefix of the files being written (and of what a killed export leaves behind).
TEMPORARY = ".chronox-"


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for the block to write; on success it is
    flushed and renamed over ``target``; on failure removed."""
    temporary = target.with_name(f"{TEMPORARY}{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        fsync(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync(target.parent)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``directory`` itself (``flock`` on the directory,
    released by the kernel if the process dies). No lock file: claiming an empty
    directory must not make it non-empty before its manifest is there."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_leftovers(directory: Path) -> None:
    """Remove the temporary files a killed export left in ``directory``."""
    for leftover in directory.glob(f"{TEMPORARY}*.tmp"):
        leftover.unlink(missing_ok=True)
