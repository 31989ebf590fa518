"""``/backfill`` and ``/jobs``: backfills run by the job queue, followed by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from chronox_entrypoints.api.deps import (
    ContainerDep,
    JobsDep,
    PageDep,
    require_token,
    require_token_for_reads,
)
from chronox_entrypoints.api.errors import TOO_LARGE
from chronox_entrypoints.api.schemas import ERRORS, BackfillIn, ErrorOut
from chronox_entrypoints.bounds import parse_bound
from chronox_presentation import JobOut, JobsPage

router = APIRouter(
    tags=["jobs"],
    dependencies=[Depends(require_token_for_reads)],
    responses=ERRORS,
)


@router.post(
    "/backfill",
    response_model=list[JobOut],
    status_code=202,
    dependencies=[Depends(require_token)],
    responses={
        **TOO_LARGE,
        404: {"model": ErrorOut, "description": "A named symbol is not in the registry"},
    },
)
def backfill(body: BackfillIn, jobs: JobsDep, c: ContainerDep, request: Request) -> list[JobOut]:
    """Queue one backfill job per symbol; follow them at ``/jobs/{id}``. The request is
    checked first, nothing queued unless all of it passes: a range the calendar cannot
    hold is a 400, a symbol not in the registry a 404 naming it (as `chronox-cli
    backfill` refuses it), never a job that fails later."""
    queued = jobs.enqueue_backfill(
        body.symbols,
        parse_bound(body.start),
        parse_bound(body.end),
        most=c.settings().api_max_backfill_symbols,
    )
    return [JobOut.of(job, request.app.state.secrets) for job in queued]


@router.get("/jobs", response_model=JobsPage)
def list_jobs(jobs: JobsDep, page: PageDep, request: Request) -> JobsPage:
    """Jobs newest first, a page at a time; ``next_cursor`` is the id of the first job of
    the next page. Finished jobs expire (see docs/api.md)."""
    listing = jobs.listing()
    found, following = page.cut(listing.jobs, lambda job: job.id)
    secrets = request.app.state.secrets
    return JobsPage(
        jobs=[JobOut.of(job, secrets) for job in found],
        next_cursor=following,
        unreadable=listing.unreadable,
    )


#: A job's id as the queues make them (32 hex digits), with room for ids written by
#: another version or by hand; a longer one is refused before it is looked up or echoed.
JobId = Annotated[str, Path(min_length=1, max_length=128, description="the job's id")]


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}})
def get_job(job_id: JobId, jobs: JobsDep, request: Request) -> JobOut:
    return JobOut.of(jobs.get(job_id), request.app.state.secrets)


@router.delete(
    "/jobs/{job_id}",
    response_model=JobOut,
    dependencies=[Depends(require_token)],
    responses={404: {"model": ErrorOut}},
)
def cancel_job(job_id: JobId, jobs: JobsDep, request: Request) -> JobOut:
    return JobOut.of(jobs.cancel(job_id), request.app.state.secrets)
