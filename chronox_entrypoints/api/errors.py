"""Domain errors as HTTP answers, in one place: a status and ``{"error", "detail"}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from chronox_domain.errors import (
    ChronoxError,
    InvalidInput,
    NotFound,
    RateLimited,
    SourceMismatch,
    SourceUnavailable,
    StorageUnavailable,
)


class Unauthorized(ChronoxError):
    """A route that needs the API token was called without it (or with another)."""

    code = "unauthorized"


_STATUS: list[tuple[type[ChronoxError], int]] = [
    (Unauthorized, 401),
    (NotFound, 404),
    (SourceMismatch, 409),
    (InvalidInput, 400),
    (RateLimited, 503),
    (SourceUnavailable, 503),
    (StorageUnavailable, 503),
]


def status_of(error: ChronoxError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(ChronoxError)
    async def chronox_error(request: Request, error: ChronoxError) -> JSONResponse:
        return JSONResponse(
            status_code=status_of(error), content={"error": error.code, "detail": str(error)}
        )
