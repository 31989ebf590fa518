"""Day files parsed in a process of their own, beside the process that checks and
writes them.

Parsing is about half of a whole-market ingest's Python work, and one interpreter runs
one thread of Python at a time: in a process of its own the parse of the next blocks
runs on the second core while this process checks the day rule and writes the last
ones (SQLite's ``executemany`` holds this interpreter throughout). This process's
reader thread downloads and gunzips the file as ever and hands its text to the parser
through a pipe; the parser sends each block back as columns (a few arrays, pickled at
memory speed, whatever the number of tickers). The parser lives as long as the source
that started it, one file after another; it is stopped on any failure, and started
again for the next file.

Frames, both ways: a 4-byte big-endian length, then the payload. To the parser: a
file's header (pickled: timeframe, day, tickers), its text, an empty frame at its end.
From the parser: ``("block", Block)`` ... then ``("end",)``, or ``("error", kind,
message)``. Run as ``python -m chronox_adapters.flatfiles.worker``.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Collection, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from chronox_adapters.flatfiles.body import Body
from chronox_adapters.flatfiles.parsing import Block, blocks, not_text
from chronox_domain.errors import MalformedData, SourceUnavailable, first_line
from chronox_domain.timeframe import Timeframe

_LENGTH = struct.Struct(">I")
#: Parsed blocks (about 70,000 rows, 4 MB of columns each) held ahead of the caller.
AHEAD = 4
#: The directory holding the ``chronox_adapters`` package: on the parser's import path.
_ROOT = str(Path(__file__).resolve().parents[2])


class ParserProcess:
    """The parser process of one day-file source (started when first needed)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process unless it runs: called before the file's GET, so that the
        interpreter's start overlaps the request."""
        if self._process is not None and self._process.poll() is None:
            return
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [_ROOT, *filter(None, [environment.get("PYTHONPATH")])]
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        weakref.finalize(self, _stop, self._process)

    def blocks(
        self, body: Body, timeframe: Timeframe, day: date, tickers: Collection[str] | None
    ) -> Iterator[Block]:
        """The blocks of ``body``'s file, parsed by the process; raises what a parse in
        this process would (``MalformedData``, ``SourceUnavailable``)."""
        self.start()
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        feeding = _Feeding(process, body, (timeframe.value, day, _tuple(tickers)))
        receiving = _Receiving(process, body.key)
        finished = False
        try:
            while True:
                message = receiving.next()
                if message is None:  # the process ended: the feeding failed, or it died
                    feeding.join()
                    feeding.raise_failure()
                    raise SourceUnavailable(
                        f"flat files: the parser process of {body.key} ended before the file"
                    )
                if message[0] == "block":
                    yield message[1]
                elif message[0] == "end":
                    finished = True
                    return
                else:
                    raise _error(message)
        finally:
            if not finished:
                _stop(process)  # whatever it was doing: the next file starts a new one
                self._process = None
            receiving.stop()
            feeding.join()


class _Receiving:
    """A thread that takes the parser's messages as they come, up to :data:`AHEAD`
    blocks ahead of the caller: the parser never waits while the caller writes."""

    def __init__(self, process: subprocess.Popen[bytes], key: str) -> None:
        self._source = process.stdout
        self._messages: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"flatfiles {key} parsed")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        assert self._source is not None
        while True:
            try:
                message = _receive(self._source)
            except (OSError, ValueError, EOFError, pickle.UnpicklingError):
                message = None  # the process was stopped under the read
            if not self._put(message) or message is None or message[0] != "block":
                return

    def _put(self, message: Any) -> bool:
        while not self._stopped.is_set():
            try:
                self._messages.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def next(self) -> Any:
        """The next message (None: the process ended)."""
        return self._messages.get()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


class _Feeding:
    """The reader thread: the file's header, its text, then its end, into the parser."""

    def __init__(self, process: subprocess.Popen[bytes], body: Body, header: object) -> None:
        self._process = process
        self._body = body
        self._header = pickle.dumps(header, pickle.HIGHEST_PROTOCOL)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"flatfiles {body.key}")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        sink = self._process.stdin
        assert sink is not None
        try:
            if _send(sink, self._header) and self._body.pump(lambda data: _send(sink, data)):
                _send(sink, b"")
        except BaseException as exc:  # raised in the caller's thread
            self._failure = exc
            _stop(self._process)  # the parser waits for text that will not come

    def join(self) -> None:
        self._thread.join()

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _tuple(tickers: Collection[str] | None) -> tuple[str, ...] | None:
    return None if tickers is None else tuple(tickers)


def _send(sink: IO[bytes], payload: bytes) -> bool:
    """One frame; False when the parser is gone."""
    try:
        sink.write(_LENGTH.pack(len(payload)))
        sink.write(payload)
        sink.flush()
    except (OSError, ValueError):  # a broken pipe, or a pipe closed by _stop
        return False
    return True


def _receive(source: IO[bytes]) -> Any:
    """The next frame's message, or None at the end of the stream."""
    payload = _frame(source)
    return None if payload is None else pickle.loads(payload)


def _frame(source: IO[bytes]) -> bytes | None:
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    payload = source.read(length)
    return payload if len(payload) == length else None


def _error(message: tuple[str, ...]) -> Exception:
    _, kind, text = message
    if kind == "malformed":
        return MalformedData(text)
    return SourceUnavailable(f"flat files: parsing failed: {text}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    process.wait()


# -- the parser process ------------------------------------------------------------------


class _EndOfInput(Exception):
    """The parent closed the pipe: the parser has nothing more to do."""


class _Text:
    """One file's text, frame after frame, up to its end frame."""

    def __init__(self, source: IO[bytes], day: date) -> None:
        self._source = source
        self._day = day
        self._decode = codecs.getincrementaldecoder("utf-8")()
        self._ended = False

    def __iter__(self) -> Iterator[str]:
        while not self._ended:
            data = _frame(self._source)
            if data is None:
                raise _EndOfInput
            self._ended = not data
            try:
                text = self._decode.decode(data, final=self._ended)
            except UnicodeDecodeError as exc:
                raise not_text(self._day, exc) from None
            if text:
                yield text

    def drain(self) -> None:
        while not self._ended:
            data = _frame(self._source)
            if data is None:
                raise _EndOfInput
            self._ended = not data


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Parse files from ``source`` into ``sink`` until ``source`` ends."""
    while True:
        header = _frame(source)
        if header is None:
            return
        timeframe, day, tickers = pickle.loads(header)
        text = _Text(source, day)
        try:
            for block in blocks(text, Timeframe(timeframe), day, tickers):
                _reply(sink, ("block", block))
            reply: tuple[str, ...] = ("end",)
        except _EndOfInput:
            return
        except MalformedData as exc:
            reply = ("error", "malformed", str(exc))
        except Exception as exc:
            reply = ("error", type(exc).__name__, first_line(exc))
        _reply(sink, reply)
        try:
            text.drain()  # the rest of a file that failed (the parent may stop us first)
        except _EndOfInput:
            return


def _reply(sink: IO[bytes], message: object) -> None:
    payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    sink.write(_LENGTH.pack(len(payload)))
    sink.write(payload)
    sink.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it, or closes its input
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print never joins the frames
    with contextlib.suppress(BrokenPipeError):  # the parent is gone
        serve(sys.stdin.buffer, sink)


if __name__ == "__main__":
    main()
