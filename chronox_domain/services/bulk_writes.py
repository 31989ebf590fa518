"""Bulk writes of bars as columns, beside the work that makes them when the store allows.

A whole-market day file is parsed and written a batch at a time. When the store's bulk
write waits on a server with the interpreter released (PostgreSQL: the COPY's bytes
travel and the server stores them while Python parses the next block), the write runs
in a thread of its own, one batch behind the parser, so the two overlap on two cores.
Otherwise (SQLite, which takes the interpreter back for every row and would crawl
beside a busy thread; the memory store) it runs in the caller's thread. Either way at
most one batch waits while another is written: memory stays a couple of batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from types import TracebackType

from chronox_domain.batch import ColumnBatch
from chronox_domain.ports import MarketDataRepository

#: Handed to the thread after the last batch.
_DONE: Sequence[ColumnBatch] = ()


class BulkWrites:
    """``write`` batches in order; leaving the ``with`` block waits for every write and
    raises the first failure (after a failure nothing more is written)."""

    def __init__(self, repository: MarketDataRepository) -> None:
        self._repository = repository
        self._background = bool(repository.background_writes)
        self._queue: queue.Queue[Sequence[ColumnBatch]] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        #: Bars written so far (all of them once the ``with`` block is left).
        self.written = 0

    def __enter__(self) -> BulkWrites:
        if self._background:
            self._thread = threading.Thread(
                target=self._run, name="chronox bulk writes", daemon=True
            )
            self._thread.start()
        return self

    def write(self, batches: Sequence[ColumnBatch]) -> None:
        """Write ``batches`` (one transaction), now or as soon as the previous write is
        done. Raises a failure of an earlier write."""
        self._raise()
        if not batches:
            return
        if self._thread is None:
            self.written += self._repository.write_columns(batches)
        else:
            self._queue.put(batches)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self._queue.put(_DONE)  # after the writes already handed over
            self._thread.join()
        if error is None:
            self._raise()

    def _run(self) -> None:
        while True:
            batches = self._queue.get()
            if batches is _DONE:
                return
            if self._failure is not None:
                continue  # nothing more after a failure: drained until told to stop
            try:
                self.written += self._repository.write_columns(batches)
            except BaseException as exc:  # raised in the caller's thread
                self._failure = exc

    def _raise(self) -> None:
        if self._failure is not None:  # stays set: later writes are refused too
            raise self._failure
