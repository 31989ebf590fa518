"""Domain errors as HTTP answers, in one place: a status and ``{"error", "detail"}``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from chronox_domain.errors import (
    ActionsNotSynced,
    ChronoxError,
    InvalidInput,
    LegacyBasisUnknown,
    NotFound,
    NotRegistered,
    RateLimited,
    SourceMismatch,
    SourceUnavailable,
    StorageUnavailable,
    Unauthorized,
)
from chronox_entrypoints.api.schemas import ErrorOut

#: How a body past the limit is answered (by ``guard.RequestGuard``), for the routes that
#: take one.
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "model": ErrorOut,
        "description": "A body past CHRONOX_API_MAX_BODY_BYTES (error payload_too_large)",
    }
}


#: What an ``Allow`` header can name.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

_STATUS: list[tuple[type[ChronoxError], int]] = [
    (Unauthorized, 401),
    (NotFound, 404),
    (SourceMismatch, 409),
    (LegacyBasisUnknown, 409),
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


def advice(error: ChronoxError) -> str | None:
    """What an API client can do about ``error``, when there is something. Domain errors
    say what is wrong; the CLI names its own commands and flags instead of these."""
    if isinstance(error, NotRegistered) and len(error.symbols) > 1:
        return 'add each with POST /symbols {"symbol": SYMBOL}'
    if isinstance(error, NotRegistered):
        return f'add it with POST /symbols {{"symbol": "{error.symbol}"}}'
    if isinstance(error, ActionsNotSynced):
        return f'sync them with POST /actions/sync {{"symbols": ["{error.symbol}"]}}'
    # SourceMismatch: no route takes "force" yet (the CLI's --force); until one does,
    # there is nothing an API client could set.
    return None


def detail_of(error: ChronoxError) -> str:
    """The ``detail`` of an error body: what is wrong, then what to do about it."""
    hint = advice(error)
    return f"{error} ({hint})" if hint else str(error)


def install(app: FastAPI) -> None:
    @app.exception_handler(ChronoxError)
    async def chronox_error(request: Request, error: ChronoxError) -> JSONResponse:
        return JSONResponse(
            status_code=status_of(error), content={"error": error.code, "detail": detail_of(error)}
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        """A parameter or body that does not fit its schema: 422, in our shape, naming
        each field and what is wrong with it (never echoing the value)."""
        return JSONResponse(
            status_code=422, content={"error": "invalid_request", "detail": _fields(error)}
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        """The framework's own refusals (no such route or method, a body that is not
        JSON) in the same shape as ours."""
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
        return JSONResponse(
            status_code=error.status_code,
            content={"error": code, "detail": str(error.detail)},
            headers=headers,
        )


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers to. The router's 405 names only those of
    the first route matching the path, and ``/symbols`` is two routes (GET and POST)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        # A fresh "fastapi" entry: FastAPI keeps its routing state there.
        if any(
            route.matches({**request.scope, "method": method, "fastapi": {}})[0] is Match.FULL
            for route in routes
        )
    ]
    return ", ".join(allowed)


#: What a pattern stands for, by field: a regular expression is no answer for a person.
_EXPECTED = {
    "symbol": "expected a ticker such as SPY or BRK.B",
    "symbols": "expected a ticker such as SPY or BRK.B",
    "start": "expected YYYY-MM-DD or an ISO-8601 instant",
    "end": "expected YYYY-MM-DD or an ISO-8601 instant",
    "cursor": "expected the next_cursor of the previous page",
}


def _fields(error: RequestValidationError) -> str:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if part != "body"]
        message = item.get("msg", "invalid")
        if item.get("type") == "string_pattern_mismatch":
            field = next((part for part in reversed(loc) if part in _EXPECTED), "")
            message = _EXPECTED.get(field, message)
        problems.append(f"{'.'.join(loc) or 'body'}: {message}")
    return "; ".join(problems)
