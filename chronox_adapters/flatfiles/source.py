"""The vendor's day files on its S3 endpoint, as the domain's :class:`DayFiles` port.

A read is streamed: a reader thread downloads the body in chunks and gunzips it (both
release the GIL; :mod:`.body`), and its text is parsed into columns a block at a time
(:mod:`.parsing`) by a parser process of its own (:mod:`.worker`: the parse runs on the
other core while this process checks and writes), or, with ``parser_process`` off, by
the caller's thread. Memory holds a few blocks, whatever the file's size.
"""

from __future__ import annotations

import codecs
import contextlib
import queue
import threading
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from chronox_adapters.flatfiles.body import Body
from chronox_adapters.flatfiles.client import NotThere, Retrying, open_client
from chronox_adapters.flatfiles.config import FlatFilesConfig
from chronox_adapters.flatfiles.parsing import merged, not_text, ticker_rows
from chronox_adapters.flatfiles.worker import ParserProcess
from chronox_domain.dayfiles import (
    FLATFILES,
    DayFile,
    DayFileKind,
    DayFileMissing,
    DayFileRead,
    TickerRows,
)
from chronox_domain.timeframe import Timeframe

#: Chunks of text the reader may run ahead of an in-process parser by (~4 MB each).
AHEAD = 4
_END = object()


class S3DayFiles:
    """Day files of one dataset (``prefix``) in one bucket."""

    name = FLATFILES

    def __init__(self, config: FlatFilesConfig, client: Any = None) -> None:
        self._config = config
        self._client = client if client is not None else open_client(config)
        self._retrying = Retrying(config)
        self._parser = ParserProcess() if config.parser_process else None

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
        if self._parser is not None:
            self._parser.start()  # its start overlaps the request
        try:
            answer = self._retrying.call(f"GET {key}", lambda: self._get(key, 0, None))
        except NotThere as refused:
            return DayFileMissing(day, kind, f"{key}: {refused}")
        etag = str(answer["ETag"])
        timeframe = Timeframe.D1 if kind is DayFileKind.DAYS else Timeframe.M1
        body = Body(self, key, etag, answer["Body"])
        if self._parser is None:
            rows = ticker_rows(_texts(body, day), timeframe, day, tickers)
        else:
            rows = _rows(self._parser, body, timeframe, day, tickers)
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


def _rows(
    parser: ParserProcess,
    body: Body,
    timeframe: Timeframe,
    day: date,
    tickers: Collection[str] | None,
) -> Iterator[TickerRows]:
    return merged(block.rows() for block in parser.blocks(body, timeframe, day, tickers))


def _texts(body: Body, day: date) -> Iterator[str]:
    """The body's text in pieces (decoded by the reader thread), for a parser in this
    process; a bounded queue between the two."""
    texts: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()
    decoder = codecs.getincrementaldecoder("utf-8")()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                texts.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def deliver(data: bytes) -> bool:
        try:
            text = decoder.decode(data)
        except UnicodeDecodeError as exc:  # not the network's: no retry
            put(not_text(day, exc))
            return False
        return put(text)

    def read() -> None:
        try:
            if body.pump(deliver):
                last = decoder.decode(b"", final=True)
                if not last or put(last):
                    put(_END)
        except UnicodeDecodeError as exc:
            put(not_text(day, exc))
        except BaseException as exc:  # handed to the parsing thread, raised there
            put(exc)

    reader = threading.Thread(target=read, name=f"flatfiles {body.key}", daemon=True)
    reader.start()
    try:
        while True:
            item = texts.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, str)
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                texts.get(timeout=0.05)
        reader.join()
