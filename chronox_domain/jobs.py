"""Backfill jobs: the unit of work a job queue hands to a worker."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from chronox_domain.errors import ChronoxError, InvalidInput, first_line, typed_first_line
from chronox_domain.redaction import redact
from chronox_domain.symbol import parse_symbol


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


Bound = date | datetime


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a backfill job does: close the gaps of ``symbols`` over a range."""

    symbols: tuple[str, ...]
    start: Bound | None = None
    end: Bound | None = None

    def to_payload(self) -> dict[str, str]:
        """Flat strings, for queues that carry text (Redis stream fields)."""
        return {
            "symbols": ",".join(self.symbols),
            "start": _bound_text(self.start),
            "end": _bound_text(self.end),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, str]) -> JobSpec:
        try:
            symbols = tuple(parse_symbol(s) for s in payload["symbols"].split(",") if s)
            return cls(symbols, _bound(payload.get("start", "")), _bound(payload.get("end", "")))
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"malformed job payload: {exc}") from None


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    spec: JobSpec
    state: JobState
    #: Vendor requests done and planned so far (progress).
    done: int = 0
    total: int = 0
    #: bars_written, windows_fetched, windows_empty, bars_rejected, requests.
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    worker: str | None = None
    attempts: int = 0


#: Runs one job: (spec, progress(done, total), cancelled()) -> counts. Raises on failure.
JobRunner = Callable[[JobSpec, Callable[[int, int], None], Callable[[], bool]], dict[str, int]]


def failure_text(exc: BaseException) -> str:
    """A job's failure as one line, secrets taken out (it is shown to API clients and
    other workers): chronox's own errors speak for themselves, others name their type."""
    return redact(first_line(exc) if isinstance(exc, ChronoxError) else typed_first_line(exc))


def split_into_jobs(
    symbols: Sequence[str], start: Bound | None, end: Bound | None
) -> list[JobSpec]:
    """One job per symbol: the unit a worker takes, retries and reports on."""
    return [JobSpec((parse_symbol(symbol),), start, end) for symbol in sorted(set(symbols))]


def _bound_text(bound: Bound | None) -> str:
    return "" if bound is None else bound.isoformat()


def _bound(text: str) -> Bound | None:
    if not text:
        return None
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
