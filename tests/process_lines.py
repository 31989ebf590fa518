"""A child process's stderr, line by line, for tests that wait on what it says."""

from __future__ import annotations

import queue
import subprocess
import threading
import time

import pytest


class StderrLines:
    """A process's stderr, read line by line in a thread, so that a test can wait for
    one line with a deadline instead of sleeping."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        self._stream = process.stderr
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The first line starting with ``prefix``; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"stderr ended before {prefix!r}: {self._seen}")
            self._seen.append(line)
            if line.startswith(prefix):
                return line
        pytest.fail(f"no {prefix!r} on stderr within {timeout} s: {self._seen}")

    def rest(self) -> str:
        """Every line, once the process has closed its stderr."""
        self._reader.join(30)
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return "\n".join(self._seen)
            if line is not None:
                self._seen.append(line)
