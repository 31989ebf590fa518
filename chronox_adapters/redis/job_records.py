"""A job's record in Redis: the hash ``job:{id}``, written and read field by field.

Every reader of a record (a listing, ``get``, a worker about to run it) goes through
``read_job``, which either returns the whole job or says in one line what is wrong with
the record. A record can be wrong without any bug of ours: a person edits it, an older
chronox wrote it, a delete stopped halfway; the queue then skips it and says so, once
(``UnreadableRecords``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chronox_domain.errors import InvalidInput, MalformedData, first_line
from chronox_domain.jobs import Job, JobSpec, JobState

log = logging.getLogger(__name__)

#: What a record is read as: its fields, or None when the key holds no hash at all.
Fields = dict[str, str] | None


def new_record(job: Job, now: str) -> dict[str, str | int]:
    """The fields of a job just queued."""
    return {
        **job.spec.to_payload(),
        "state": job.state.value,
        **work_fields(job.done, job.total, job.counts),
        "error": "",
        "worker": "",
        "attempts": 0,
        "created": now,
        "updated": now,
    }


def work_fields(done: int, total: int, counts: Mapping[str, int]) -> dict[str, str | int]:
    """How far a job got and what it counted: written as it runs and when it ends."""
    return {"done": done, "total": total, "counts": json.dumps(dict(counts), sort_keys=True)}


def flat(fields: Mapping[str, str | int]) -> list[str | int]:
    """Field, value, field, value...: what HSET and the scripts take."""
    return [item for pair in fields.items() for item in pair]


def now_text() -> str:
    """The time a record's ``created`` and ``updated`` fields are written in."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def changed_at(fields: Mapping[str, str]) -> float:
    """When the job last changed (its ``updated`` field), as a POSIX timestamp; a job
    without a readable one counts as changed now (kept, never swept by mistake)."""
    try:
        return datetime.fromisoformat(fields.get("updated", "")).timestamp()
    except ValueError:
        return datetime.now(UTC).timestamp()


def read_job(job_id: str, fields: Fields) -> Job:
    """The job a record holds; ``MalformedData`` naming the job and the first thing
    wrong with its record when it cannot be read."""
    try:
        if fields is None:
            raise ValueError("its key holds no hash")
        return Job(
            id=job_id,
            spec=JobSpec.from_payload(dict(fields)),
            state=_state(fields),
            done=_whole(fields, "done"),
            total=_whole(fields, "total"),
            counts=_counts(fields.get("counts") or "{}"),
            error=fields.get("error") or None,
            worker=fields.get("worker") or None,
            attempts=_whole(fields, "attempts"),
        )
    except (ValueError, InvalidInput) as exc:
        raise MalformedData(
            f"job {job_id} is unreadable in the job queue: {first_line(exc)}"
        ) from None


def _state(fields: Mapping[str, str]) -> JobState:
    text = fields.get("state")
    if text is None:
        raise ValueError("it has no state")
    try:
        return JobState(text)
    except ValueError:
        raise ValueError(f"unknown state {text!r}") from None


def _whole(fields: Mapping[str, str], name: str) -> int:
    text = fields.get(name, "0")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a whole number") from None


def _counts(text: str) -> dict[str, int]:
    try:
        counts: Any = json.loads(text)
    except ValueError:
        raise ValueError(f"counts {text[:40]!r} are not JSON") from None
    if not isinstance(counts, dict) or not all(
        isinstance(value, int) and not isinstance(value, bool) for value in counts.values()
    ):
        raise ValueError(f"counts {text[:40]!r} are not whole numbers by name")
    return {str(name): value for name, value in counts.items()}


class UnreadableRecords:
    """Says once, at WARNING, which job records cannot be read (by ``who``, when that
    matters): a listing that runs at every scrape must not repeat it every time."""

    def __init__(self, who: str = "") -> None:
        self._who = f"{who}: " if who else ""
        self._said: set[str] = set()
        self._lock = threading.Lock()

    def report(self, job_id: str, error: MalformedData) -> None:
        with self._lock:
            if job_id in self._said:
                return
            self._said.add(job_id)
        log.warning("%s%s; skipped", self._who, error)
