"""A real HTTP server on loopback that answers too slowly, in the ways a broken proxy or
an overloaded server does: never, or a byte at a time (headers or body). What a total
deadline of an outbound call is tested against: a per-read timeout never fires on it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"


@contextmanager
def slow_server(mode: str, every: float = 0.5) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a server that, to each request, sends: nothing
    (``silent``), its headers a byte every ``every`` seconds (``trickle-head``), or its
    headers then its body a byte every ``every`` seconds (``trickle-body``)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.settimeout(every + 1)
            try:
                connection.recv(65536)  # the request: its content does not matter
                if mode == "silent":
                    stop.wait()
                    return
                if mode == "trickle-body":
                    connection.sendall(HEAD)
                payload = HEAD if mode == "trickle-head" else b" " * 4096
                for byte in payload:
                    if stop.wait(every):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up: what the test wants

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def timed(call: Callable[[], object]) -> tuple[Exception | None, float]:
    """What ``call()`` raised (None if nothing), and how long it took."""
    began = time.monotonic()
    try:
        call()
    except Exception as exc:
        return exc, time.monotonic() - began
    return None, time.monotonic() - began
