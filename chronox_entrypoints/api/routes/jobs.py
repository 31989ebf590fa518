"""``/backfill`` and ``/jobs``: backfills run by the job queue, followed by id."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chronox_domain.jobs import Job
from chronox_entrypoints.api.deps import JobsDep, require_token, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS, BackfillIn, ErrorOut, JobOut
from chronox_entrypoints.bounds import parse_bound

router = APIRouter(
    tags=["jobs"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        state=job.state.value,
        symbols=list(job.spec.symbols),
        done=job.done,
        total=job.total,
        counts=job.counts,
        error=job.error,
        worker=job.worker,
        attempts=job.attempts,
    )


@router.post(
    "/backfill", response_model=list[JobOut], status_code=202, dependencies=[Depends(require_token)]
)
def backfill(body: BackfillIn, jobs: JobsDep) -> list[JobOut]:
    """Queue one backfill job per symbol; follow them at ``/jobs/{id}``."""
    queued = jobs.enqueue_backfill(body.symbols, parse_bound(body.start), parse_bound(body.end))
    return [job_out(job) for job in queued]


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(jobs: JobsDep) -> list[JobOut]:
    return [job_out(job) for job in jobs.jobs()]


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}})
def get_job(job_id: str, jobs: JobsDep) -> JobOut:
    return job_out(jobs.get(job_id))


@router.delete(
    "/jobs/{job_id}",
    response_model=JobOut,
    dependencies=[Depends(require_token)],
    responses={404: {"model": ErrorOut}},
)
def cancel_job(job_id: str, jobs: JobsDep) -> JobOut:
    return job_out(jobs.cancel(job_id))
