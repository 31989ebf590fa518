"""``BulkWrites``: batches written in order, in a thread of their own where the store
allows it; leaving the block waits for them all; a failure is raised in the caller's
thread and nothing more is written after it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from chronox_adapters.memory import MemoryRepository
from chronox_domain import Bar, Interval, Timeframe
from chronox_domain.batch import ColumnBatch
from chronox_domain.columns import BarColumns
from chronox_domain.errors import StorageUnavailable
from chronox_domain.services.bulk_writes import BulkWrites

T0 = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)


def batch(symbol: str, count: int = 3) -> ColumnBatch:
    bars = [
        Bar(symbol, Timeframe.M1, T0 + timedelta(minutes=i), 10.0, 11.0, 9.0, 10.5, 100.0)
        for i in range(count)
    ]
    return ColumnBatch(BarColumns.from_bars(symbol, Timeframe.M1, bars), "flatfiles")


class Recording(MemoryRepository):
    """A memory store that says its writes may run in a thread, and records which."""

    background_writes = True

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.threads: list[str] = []
        self.fail_at = fail_at

    def write_columns(self, batches: Sequence[ColumnBatch]) -> int:
        self.threads.append(threading.current_thread().name)
        if self.fail_at is not None and len(self.threads) == self.fail_at:
            raise StorageUnavailable("the store went away")
        return super().write_columns(batches)


def stored(repository: MemoryRepository, symbol: str) -> int:
    window = Interval(T0, T0 + timedelta(hours=1))
    return len(repository.bar_starts(symbol, Timeframe.M1, window))


def test_writes_run_in_a_thread_of_their_own_in_order() -> None:
    repository = Recording()
    with BulkWrites(repository) as writes:
        for symbol in ("A", "B", "C"):
            writes.write([batch(symbol)])
        writes.write([])
    assert writes.written == 9
    assert [stored(repository, s) for s in "ABC"] == [3, 3, 3]
    assert repository.threads == ["chronox bulk writes"] * 3


def test_a_store_that_holds_the_interpreter_is_written_in_the_callers_thread() -> None:
    repository = MemoryRepository()
    with BulkWrites(repository) as writes:
        writes.write([batch("A"), batch("B", 5)])
    assert writes.written == 8 and stored(repository, "B") == 5


def test_a_failure_is_raised_in_the_caller_and_nothing_follows_it() -> None:
    repository = Recording(fail_at=2)
    with pytest.raises(StorageUnavailable, match="went away"), BulkWrites(repository) as writes:
        writes.write([batch("A")])
        writes.write([batch("B")])
        writes.write([batch("C")])
        writes.write([batch("D")])
    assert stored(repository, "A") == 3
    assert [stored(repository, s) for s in "BCD"] == [0, 0, 0]
    assert len(repository.threads) == 2  # nothing written after the failure


def test_the_callers_own_failure_wins_and_the_thread_ends() -> None:
    repository = Recording()
    with pytest.raises(ValueError, match="parsing"), BulkWrites(repository) as writes:
        writes.write([batch("A")])
        raise ValueError("parsing failed")
    assert stored(repository, "A") == 3  # what was handed over is written
    assert not [t for t in threading.enumerate() if t.name == "chronox bulk writes"]
