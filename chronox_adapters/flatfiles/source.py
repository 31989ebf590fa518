"""The vendor's day files on its S3 endpoint, as the domain's :class:`DayFiles` port.

A read is streamed: a reader thread downloads the body in chunks and gunzips it
(both release the GIL) into a bounded queue of text, while the caller's thread parses
it into columns a block at a time (:mod:`.parsing`) and writes the bars; memory holds a
few chunks, whatever the file's size. A body cut off mid-stream is resumed where it
stopped (a ranged GET with ``If-Match``: the same version of the file, or the read
fails), under the one backoff.
"""

from __future__ import annotations

import codecs
import contextlib
import queue
import threading
import zlib
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from chronox_adapters.flatfiles.client import NotThere, Retrying, open_client
from chronox_adapters.flatfiles.config import FlatFilesConfig
from chronox_adapters.flatfiles.parsing import ticker_rows
from chronox_domain.dayfiles import (
    FLATFILES,
    DayFile,
    DayFileKind,
    DayFileMissing,
    DayFileRead,
)
from chronox_domain.errors import SourceUnavailable
from chronox_domain.timeframe import Timeframe

#: Bytes asked of the body at a time (about 4 MB of text each), and chunks of text the
#: reader may run ahead of the parser by.
CHUNK = 1 << 20
AHEAD = 4
#: gzip (and zlib) headers, detected: the vendor's files are gzip.
_GZIP = 47
_END = object()


class S3DayFiles:
    """Day files of one dataset (``prefix``) in one bucket."""

    name = FLATFILES

    def __init__(self, config: FlatFilesConfig, client: Any = None) -> None:
        self._config = config
        self._client = client if client is not None else open_client(config)
        self._retrying = Retrying(config)

    def key(self, day: date, kind: DayFileKind) -> str:
        return self._config.key(kind.value, day.year, day.month, day.isoformat())

    def head(self, day: date, kind: DayFileKind) -> DayFile | DayFileMissing:
        key = self.key(day, kind)
        try:
            answer = self._retrying.call(
                f"HEAD {key}",
                lambda: self._client.head_object(Bucket=self._config.bucket, Key=key),
            )
        except NotThere as refused:
            return DayFileMissing(day, kind, f"{key}: {refused}")
        return DayFile(day, kind, str(answer["ETag"]))

    def read(
        self, day: date, kind: DayFileKind, tickers: Collection[str] | None
    ) -> DayFileRead | DayFileMissing:
        key = self.key(day, kind)
        try:
            answer = self._retrying.call(f"GET {key}", lambda: self._get(key, 0, None))
        except NotThere as refused:
            return DayFileMissing(day, kind, f"{key}: {refused}")
        etag = str(answer["ETag"])
        timeframe = Timeframe.D1 if kind is DayFileKind.DAYS else Timeframe.M1
        body = _Body(self, key, etag, answer["Body"])
        rows = ticker_rows(body.texts(), timeframe, day, tickers)
        return DayFileRead(DayFile(day, kind, etag), rows)

    def _get(self, key: str, offset: int, etag: str | None) -> Any:
        extra: dict[str, str] = {}
        if offset:
            extra["Range"] = f"bytes={offset}-"
        if etag is not None:
            extra["IfMatch"] = etag
        return self._client.get_object(Bucket=self._config.bucket, Key=key, **extra)

    def resume(self, key: str, offset: int, etag: str) -> Any:
        """The rest of the body from ``offset``, of the version ``etag`` only."""
        return self._retrying.call(
            f"GET {key} from byte {offset}", lambda: self._get(key, offset, etag)
        )["Body"]

    @property
    def retrying(self) -> Retrying:
        return self._retrying


class _Body:
    """One file's body, downloaded and gunzipped by a reader thread into text."""

    def __init__(self, files: S3DayFiles, key: str, etag: str, stream: Any) -> None:
        self._files = files
        self._key = key
        self._etag = etag
        self._stream = stream
        self._texts: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()

    def texts(self) -> Iterator[str]:
        """The body's text in pieces, cut anywhere."""
        reader = threading.Thread(target=self._read, name=f"flatfiles {self._key}", daemon=True)
        reader.start()
        try:
            while True:
                item = self._texts.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, str)
                yield item
        finally:
            self._stop.set()
            while reader.is_alive():  # unblock a reader waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._texts.get(timeout=0.05)
            reader.join()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._texts.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            self._download()
        except BaseException as exc:  # handed to the parsing thread, raised there
            self._put(exc)

    def _download(self) -> None:
        inflate = zlib.decompressobj(_GZIP)
        text = codecs.getincrementaldecoder("utf-8")()
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
                    if data and not self._put(text.decode(data)):
                        return
                break
            except zlib.error as exc:
                raise SourceUnavailable(
                    f"flat files: {self._key} is not a readable gzip file ({exc})"
                ) from None
            except Exception as exc:
                failures += 1
                if failures > retrying.max_retries:
                    raise SourceUnavailable(
                        f"flat files: reading {self._key} failed at byte {offset}: "
                        f"{retrying.redacted(str(exc))}"
                    ) from None
                retrying.pause(failures)
                stream = self._files.resume(self._key, offset, self._etag)
        if not inflate.eof:
            raise SourceUnavailable(
                f"flat files: {self._key} ends before its gzip stream does "
                f"({offset} bytes read): the file is truncated"
            )
        last = text.decode(b"", final=True)
        if last:
            self._put(last)
        self._put(_END)


def _inflate(inflate: Any, chunk: bytes) -> bytes:
    return bytes(inflate.decompress(chunk))
