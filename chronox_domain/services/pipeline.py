"""The facade that picks how the pipeline runs: one backfill pass, or the daemon (live
bars plus periodic backfill, or periodic backfill alone)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from chronox_domain.choices import parse_choice
from chronox_domain.errors import InvalidInput
from chronox_domain.ranges import Bound
from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
from chronox_domain.services.ingestion import Counted, Progress

if TYPE_CHECKING:  # asyncio and the daemon load only with a command that runs it
    import asyncio

    from chronox_domain.services.live import DaemonReport


class Daemon(Protocol):
    """What ``Pipeline.run`` drives (the unified daemon)."""

    async def run(self, stop: asyncio.Event, live: bool = True) -> DaemonReport: ...


class Mode(enum.Enum):
    """How the pipeline runs: one backfill pass, or live plus periodic backfill."""

    BACKFILL = "backfill"
    UNIFIED = "unified"

    @classmethod
    def parse(cls, text: object) -> Mode:
        """Exactly ``backfill`` or ``unified``; a Mode is itself; any other value is
        refused as :class:`InvalidInput`."""
        return parse_choice(cls, text, "mode")


class Pipeline:
    """The facade the CLI, the API and schedulers call: never a concrete orchestrator.

    ``backfill`` is one pass, in any mode. ``run`` keeps the registry complete until
    stopped: in ``unified`` mode with the live feed plus periodic backfill, in
    ``backfill`` mode with periodic backfill alone.
    """

    def __init__(
        self, mode: Mode, backfill: BackfillOrchestrator, daemon: Daemon | None = None
    ) -> None:
        self.mode = mode
        self._backfill = backfill
        self._daemon = daemon

    async def run(self, stop: asyncio.Event) -> DaemonReport:
        if self._daemon is None:
            raise InvalidInput("this pipeline was built without a daemon")
        return await self._daemon.run(stop, live=self.mode is Mode.UNIFIED)

    def backfill(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
        progress: Progress | None = None,
        counted: Counted | None = None,
    ) -> BackfillReport:
        return self._backfill.run(symbols, start, end, progress, counted)
