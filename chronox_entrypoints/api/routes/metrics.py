"""``/metrics``: this process's counters in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from chronox_entrypoints.api.deps import ContainerDep, require_token_for_reads
from chronox_entrypoints.api.schemas import ERRORS

router = APIRouter(
    tags=["status"], dependencies=[Depends(require_token_for_reads)], responses=ERRORS
)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
    },
)
def metrics(c: ContainerDep) -> Response:
    """Bars ingested and rejected, gap windows closed, vendor requests, errors and
    retries by status, request latencies by route, and jobs by state."""
    body, content_type = c.metrics().exposition()
    return Response(body, media_type=content_type)
