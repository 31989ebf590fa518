"""A day file's body: downloaded in chunks and gunzipped, for a reader thread.

Both the download and zlib release the GIL, so the thread runs beside the parsing. A
body cut off mid-stream is resumed where it stopped (a ranged GET with ``If-Match``:
the same version of the file, or the read fails), under the one backoff.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

from chronox_adapters.flatfiles.client import Retrying
from chronox_domain.errors import SourceUnavailable

#: Bytes asked of the body at a time (about 4 MB of text each).
CHUNK = 1 << 20
#: gzip (and zlib) headers, detected: the vendor's files are gzip.
_GZIP = 47

#: Takes the next piece of the file's text (bytes); False: stop reading.
Deliver = Callable[[bytes], bool]


class Resumes(Protocol):
    """Where the rest of a body cut off mid-stream comes from."""

    @property
    def retrying(self) -> Retrying: ...

    def resume(self, key: str, offset: int, etag: str) -> Any: ...


class Body:
    """One file's body (the ``Body`` of an answered GET)."""

    def __init__(self, files: Resumes, key: str, etag: str, stream: Any) -> None:
        self._files = files
        self.key = key
        self._etag = etag
        self._stream = stream

    def pump(self, deliver: Deliver) -> bool:
        """Hand the whole file's text to ``deliver``, a gunzipped chunk at a time; False
        when ``deliver`` asked to stop. Raises ``SourceUnavailable`` when the file cannot
        be read to its end (after the retries) or is no gzip file."""
        inflate = zlib.decompressobj(_GZIP)
        offset, failures, stream = 0, 0, self._stream
        retrying = self._files.retrying
        while True:
            try:
                for chunk in stream.iter_chunks(CHUNK):
                    offset += len(chunk)
                    data = _inflate(inflate, chunk)
                    while inflate.eof and inflate.unused_data:  # a multi-member gzip
                        tail, inflate = inflate.unused_data, zlib.decompressobj(_GZIP)
                        data += _inflate(inflate, tail)
                    if data and not deliver(data):
                        return False
                break
            except zlib.error as exc:
                raise SourceUnavailable(
                    f"flat files: {self.key} is not a readable gzip file ({exc})"
                ) from None
            except Exception as exc:  # the network's: retried from where it stopped
                failures += 1
                if failures > retrying.max_retries:
                    raise SourceUnavailable(
                        f"flat files: reading {self.key} failed at byte {offset}: "
                        f"{retrying.redacted(str(exc))}"
                    ) from None
                retrying.pause(failures)
                stream = self._files.resume(self.key, offset, self._etag)
        if not inflate.eof:
            raise SourceUnavailable(
                f"flat files: {self.key} ends before its gzip stream does "
                f"({offset} bytes read): the file is truncated"
            )
        return True


def _inflate(inflate: Any, chunk: bytes) -> bytes:
    return bytes(inflate.decompress(chunk))
