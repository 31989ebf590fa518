"""Request latency for ``/metrics``: a plain ASGI middleware, so that a streamed body is
timed to its last byte (and nothing is buffered on the way)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chronox_adapters.prometheus import PrometheusMetrics

#: The route label of a request no route answered.
UNMATCHED = "unmatched"


class RequestTiming:
    def __init__(self, app: ASGIApp, metrics: PrometheusMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - began
            self.metrics.http_request(scope["method"], route_of(scope), status, seconds)


def route_of(scope: Scope) -> str:
    """The template of the route that answered (``/bars/{symbol}``), never the path: one
    series per route whatever the symbol, and one (``unmatched``) for every path that
    is no route, as a client may send any number of those."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
