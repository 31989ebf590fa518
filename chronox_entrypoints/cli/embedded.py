"""The API served on a loopback port in a background thread, for ``monitor`` and
``dashboard``.

The monitor and the dashboard read only the API; on a machine without a server, this is
the server: the same ``create_app`` over the configured store, served by uvicorn from a
thread of this process, on a socket bound before uvicorn starts (no window for another
process to take the port between choosing it and listening on it)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from chronox_domain.errors import InvalidInput, SourceUnavailable

if TYPE_CHECKING:
    import uvicorn

    from chronox_entrypoints.container import Container

#: How long the server may take to start (the first open of a store migrates it).
STARTUP_SECONDS = 60.0


@contextmanager
def serving(container: Container, port: int = 0, *, dashboard: bool = False) -> Iterator[str]:
    """``create_app(container)`` on ``http://127.0.0.1:<port>`` (0: a free one) until the
    block ends; yields the base URL once the server accepts connections. ``dashboard``:
    served for the web dashboard, which it says if it is not built."""
    import uvicorn

    from chronox_entrypoints.api import create_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as exc:
        listener.close()
        raise InvalidInput(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    port = int(listener.getsockname()[1])
    app = create_app(container, announce_ui=dashboard)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="chronox-api", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise SourceUnavailable("the embedded API stopped while starting (see the log)")
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"the embedded API did not start in {STARTUP_SECONDS:g} s")
        time.sleep(0.02)
