"""What a request must pass before the app reads a byte of its body: the token (for
mutating methods) and the body size limit. A plain ASGI middleware, because FastAPI
reads and parses a body before it runs any dependency: a route's token check alone
would let an anonymous client make the server buffer a 200 MB body first.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chronox_entrypoints.api.deps import UNAUTHORIZED_DETAIL, token_matches

#: Methods that change nothing: their token check (if reads are guarded) is the routes'.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _BodyTooLarge(Exception):
    """Raised into the app from ``receive`` once the body passes the limit."""


class RequestGuard:
    """401 for a mutating request without the token, before its body is read; 413 for a
    body past ``max_body`` bytes, by its Content-Length up front or, for a chunked body,
    as soon as the bytes received pass the limit (never buffering the rest)."""

    def __init__(self, app: ASGIApp, token: str | None, max_body: int) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] not in SAFE_METHODS and not token_matches(
            self.token, headers.get("authorization")
        ):
            await _refuse(scope, receive, send, 401, "unauthorized", UNAUTHORIZED_DETAIL)
            return
        declared = headers.get("content-length", "0")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body:
            await _refuse(scope, receive, send, 413, "payload_too_large", self._too_large())
            return
        received, cut, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    cut = True
                    raise _BodyTooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if cut:  # the app's answer to a body it could not finish: ours replaces it
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except Exception:
            # FastAPI turns an error while reading the body into its own 400; either
            # way, the cut body is what the client must hear about.
            if not cut:
                raise
        if cut and not started:
            await _refuse(scope, receive, send, 413, "payload_too_large", self._too_large())

    def _too_large(self) -> str:
        return f"a request body may hold at most {self.max_body} bytes"


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str
) -> None:
    """Answer in the API's error shape and close the connection: the rest of the body
    is never read, so the connection cannot carry another request."""
    answer = JSONResponse(
        {"error": code, "detail": detail}, status_code=status, headers={"Connection": "close"}
    )
    await answer(scope, receive, send)
