"""Backfill jobs: the unit of work a job queue hands to a worker."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from chronox_domain.bounds import parse_bound
from chronox_domain.errors import (
    ChronoxError,
    InvalidInput,
    InvalidSymbol,
    first_line,
    typed_first_line,
)
from chronox_domain.redaction import redact
from chronox_domain.refusals import described
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


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


class JobKind(enum.Enum):
    #: Close the gaps of one symbol over a range from the configured source.
    BACKFILL = "backfill"
    #: Read one session's day file (the vendor's flat files) for many symbols.
    DAY_FILE = "day_file"


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a job does. A backfill closes the gaps of ``symbols`` over a range; a day
    file job reads the day file of one session (``start``, equal to ``end``) for
    ``timeframe``, for ``symbols`` or, when none are named, the active registry symbols
    of that timeframe as they are when the job runs."""

    symbols: tuple[str, ...]
    start: Bound | None = None
    end: Bound | None = None
    kind: JobKind = JobKind.BACKFILL
    timeframe: Timeframe | None = None

    def __post_init__(self) -> None:
        if self.kind is JobKind.DAY_FILE and (
            self.timeframe is None or type(self.start) is not date or self.start != self.end
        ):
            raise InvalidInput("a day file job names one session (a date) and a timeframe")

    @classmethod
    def day_file(cls, day: date, timeframe: Timeframe, symbols: Sequence[str] = ()) -> JobSpec:
        return cls(tuple(symbols), day, day, JobKind.DAY_FILE, timeframe)

    @property
    def label(self) -> str:
        """What the job works on, in a few words (listings, logs)."""
        if self.kind is JobKind.BACKFILL:
            return ",".join(self.symbols)
        assert self.timeframe is not None and self.start is not None  # __post_init__
        named = ",".join(self.symbols) if self.symbols else "registry"
        return f"day file {self.start.isoformat()} {self.timeframe.value} ({named})"

    def to_payload(self) -> dict[str, str]:
        """Flat strings, for queues that carry text (Redis stream fields)."""
        return {
            "symbols": ",".join(self.symbols),
            "start": _bound_text(self.start),
            "end": _bound_text(self.end),
            "kind": self.kind.value,
            "timeframe": "" if self.timeframe is None else self.timeframe.value,
        }

    @classmethod
    def from_payload(cls, payload: object) -> JobSpec:
        """The spec :meth:`to_payload` wrote. A queue is shared state that any process
        may have written: anything else is refused as :class:`InvalidInput`."""
        if not isinstance(payload, Mapping):
            raise InvalidInput(
                f"malformed job payload: expected a mapping, got {described(payload)}"
            )
        try:
            listed = _text(payload, "symbols", required=True)
            symbols = tuple(parse_symbol(s) for s in listed.split(",") if s)
            # A record without a kind was written before day file jobs: a backfill.
            kind = _kind(_text(payload, "kind") or JobKind.BACKFILL.value)
            named = _text(payload, "timeframe")
            timeframe = Timeframe.parse(named) if named else None
            return cls(symbols, _bound(payload, "start"), _bound(payload, "end"), kind, timeframe)
        except InvalidSymbol:
            raise
        except InvalidInput as exc:
            raise InvalidInput(f"malformed job payload: {exc}") from None


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    spec: JobSpec
    state: JobState
    #: Vendor requests done and planned so far (progress).
    done: int = 0
    total: int = 0
    #: What the job has done so far, by counter (a backfill's are the counters of its
    #: ``IngestReport``): updated as it runs, kept when it is cancelled or fails.
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    worker: str | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class JobListing:
    """Every job a queue could read, newest first, and the ids of the records it could
    not (one bad record in shared state is reported, never fatal to the rest)."""

    jobs: list[Job]
    unreadable: list[str] = field(default_factory=list)


class JobProgress(Protocol):
    """What a running job reports after each unit of work: requests done and planned,
    and, when it has them, its counts so far (kept if the job is cancelled midway)."""

    def __call__(self, done: int, total: int, counts: Mapping[str, int] | None = None) -> None: ...


#: Runs one job: (spec, progress, cancelled()) -> counts. Raises on failure.
JobRunner = Callable[[JobSpec, JobProgress, Callable[[], bool]], dict[str, int]]


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


def _text(payload: Mapping[object, object], key: str, required: bool = False) -> str:
    if required and key not in payload:
        raise InvalidInput(f"no {key!r}")
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{key}: expected a string, got {described(value)}")
    return value


def _kind(text: str) -> JobKind:
    try:
        return JobKind(text)
    except ValueError:
        known = ", ".join(kind.value for kind in JobKind)
        raise InvalidInput(f"kind {text!r} is not one of {known}") from None


def _bound(payload: Mapping[object, object], key: str) -> Bound | None:
    try:
        return parse_bound(_text(payload, key))
    except InvalidInput as exc:
        raise InvalidInput(f"{key}: {exc}") from None
