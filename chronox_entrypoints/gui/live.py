"""Live bars on the Qt event loop: the client's ``subscribe`` run as a task of the
qasync loop, each bar handed to the window as a Qt signal.

The client reconnects by itself (capped backoff) and asks the server to replay each
symbol's latest bars, so the bars stored while the connection was down arrive first.
The feed never gives up (``max_reconnects=None`` in the monitor's client config): an
API that goes away shows "disconnected" in the status bar and the feed comes back with
it. Bad input or a refused token end the feed with the error, for the window to show;
a basis that changed under it (a split took effect) ends it with ``basisChanged``, for
the chart to be read again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.errors import BasisChanged, ChronoxError, SourceUnavailable

#: Latest bars of each symbol asked for on the first connection: the most the server
#: replays, so the bars a backfill stored just before the subscription took hold (the
#: server accepts the socket, then subscribes) still arrive; the chart upserts the ones
#: it already holds.
REPLAY = 1_000
#: The pause before subscribing again after the client gave up.
RETRY_SECONDS = 2.0


class LiveFeed(QObject):
    """``barArrived(LiveBarOut)`` for each bar; ``failed(str)`` once, with one line,
    when the server refuses the subscription (bad input, a missing token);
    ``basisChanged(str)`` once, with one line, when the bars' basis moved under it."""

    barArrived = Signal(object)
    failed = Signal(str)
    basisChanged = Signal(str)

    def __init__(self, client: ChronoxClient) -> None:
        super().__init__()
        self.client = client
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, symbols: Sequence[str], timeframe: str = "1m", adjust: str = "splits") -> None:
        """(Re)subscribe to ``symbols`` on the price basis ``adjust``; the loop must be
        running (qasync's)."""
        self.stop()
        run = self._run(list(symbols), timeframe, adjust)
        self._task = asyncio.get_event_loop().create_task(run)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ChronoxError):
                await task

    async def _run(self, symbols: list[str], timeframe: str, adjust: str) -> None:
        replay = REPLAY
        while True:
            feed = self.client.subscribe(symbols, timeframe, replay=replay, adjust=adjust)
            try:
                async for bar in feed:
                    self.barArrived.emit(bar)
            except SourceUnavailable:
                await asyncio.sleep(RETRY_SECONDS)  # the client gave up: start over
                replay = self.client.config.catch_up
                continue
            except BasisChanged as error:
                self.basisChanged.emit(_line(error))
                return
            except ChronoxError as error:
                self.failed.emit(_line(error))
                return
            finally:
                # Already closed when the iteration itself ended it (an error, a cancel).
                with contextlib.suppress(RuntimeError):
                    await feed.aclose()
            return


def _line(error: ChronoxError) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
