"""A private event loop in a daemon thread, where the synchronous client's requests run
as coroutines: what makes a *total* deadline per call possible.

httpx's timeouts are per phase (connect, each read), and its read timeout starts again
at every byte: an answer that trickles in a byte a second is never too slow for it. A
coroutine can be cancelled wherever it waits, so ``asyncio.timeout`` around the whole
request, body included, bounds the call; a blocking socket read cannot be cut short.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: How long closing waits for the loop's last tasks to finish being cancelled.
_CLOSE_SECONDS = 5.0


class Runner:
    """Runs coroutines on its own loop for callers in any thread (thread-safe)."""

    def __init__(self, name: str = "chronox-api-client") -> None:
        self._loop = asyncio.new_event_loop()
        # A daemon: a client nobody closed must not keep the process from exiting.
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """``work``'s result (or exception), in the calling thread. A caller that is
        interrupted (Ctrl-C) cancels the work rather than leaving it running."""
        if self._closed:
            work.close()
            raise RuntimeError("the client is closed")
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def close(self, last: Coroutine[Any, Any, Any] | None = None) -> None:
        """Run ``last`` (closing the connections), cancel what still runs (calls of
        other threads, which then fail), stop the loop and its thread."""
        if self._closed:
            if last is not None:
                last.close()
            return
        self._closed = True
        finishing = asyncio.run_coroutine_threadsafe(_finish(last), self._loop)
        with contextlib.suppress(Exception):
            finishing.result(timeout=_CLOSE_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=_CLOSE_SECONDS)
        if not self._thread.is_alive():
            self._loop.close()


async def _finish(last: Coroutine[Any, Any, Any] | None) -> None:
    me = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not me]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    if last is not None:
        await last
