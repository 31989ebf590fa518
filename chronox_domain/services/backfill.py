"""Backfill: close the gaps of the registry's symbols, behind one facade."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from chronox_domain.errors import InvalidInput, NotFound
from chronox_domain.ports import SymbolRegistry
from chronox_domain.ranges import Bound
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.ingestion import (
    IngestionService,
    IngestReport,
    IngestRequest,
    Progress,
)
from chronox_domain.services.splits import SplitService
from chronox_domain.splits import Split
from chronox_domain.symbol import parse_symbol

if TYPE_CHECKING:  # the daemon module imports this one
    from chronox_domain.services.live import DaemonReport


class Daemon(Protocol):
    """What ``Pipeline.run`` drives (the unified daemon)."""

    async def run(self, stop: asyncio.Event, live: bool = True) -> DaemonReport: ...


@dataclass(slots=True)
class BackfillReport:
    """The totals, and one report per (symbol, timeframe) that was worked on."""

    total: IngestReport
    parts: list[tuple[str, str, IngestReport]] = field(default_factory=list)
    #: Splits first seen in this run: their symbols' earlier coverage was re-fetched.
    splits: list[Split] = field(default_factory=list)


class BackfillOrchestrator:
    """For each active registry symbol and timeframe: gaps, plan, fetch, store, report."""

    def __init__(
        self,
        registry: SymbolRegistry,
        ingestion: IngestionService,
        splits: SplitService | None = None,
    ) -> None:
        self._registry = registry
        self._ingestion = ingestion
        self._splits = splits

    def targets(self, symbols: Sequence[str] = ()) -> list[SymbolEntry]:
        if not symbols:
            return self._registry.entries(active_only=True)
        entries = []
        for name in sorted({parse_symbol(s) for s in symbols}):
            entry = self._registry.get(name)
            if entry is None:
                raise NotFound(
                    f"{name} is not in the registry (add it with: chronox-cli registry add {name})"
                )
            entries.append(entry)
        return entries

    def run(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
        progress: Progress | None = None,
    ) -> BackfillReport:
        source = self._ingestion.source
        report = BackfillReport(IngestReport(source=source.name, demo=source.demo))
        targets = self.targets(symbols)
        if self._splits is not None:
            # Before the gaps are computed, so that stale windows are among them.
            report.splits = self._splits.refresh([entry.symbol for entry in targets])
        for entry in targets:
            for timeframe in entry.timeframes:
                request = IngestRequest(
                    symbols=(entry.symbol,),
                    timeframe=timeframe,
                    session=entry.session,
                    start=start,
                    end=end,
                )
                part = self._ingestion.ingest(request, progress)
                report.parts.append((entry.symbol, timeframe.value, part))
                report.total.add(part)
        return report


class Mode(enum.Enum):
    """How the pipeline runs: one backfill pass, or live plus periodic backfill."""

    BACKFILL = "backfill"
    UNIFIED = "unified"

    @classmethod
    def parse(cls, text: str) -> Mode:
        try:
            return cls(text.strip())
        except ValueError:
            raise InvalidInput(f"unknown mode {text!r} (choose from backfill, unified)") from None


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
    ) -> BackfillReport:
        return self._backfill.run(symbols, start, end, progress)
