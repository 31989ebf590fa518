"""The S3 client of the flat-files source (boto3), and what its failures mean.

boto3 rather than obstore: boto3 is the S3 client the vendor's own flat-files docs show
(``boto3.Session().client('s3', endpoint_url='https://files.massive.com')``), so a
user's working setup and chronox's are one; it gives the three things the source needs
(a HEAD for the ETag, a body streamed in chunks, ranged GETs with ``If-Match`` to resume
a body cut off mid-stream) and its errors carry the server's status and code, which is
how a day "not there" (403/404) is told from a failure. obstore (Rust, object_store) is
faster at moving bytes, but here the bytes are not the bottleneck: a day file is about
50 MB compressed against a few seconds of parsing and a bulk write, and gunzip runs in
the reader thread beside the parser either way. It would add a compiled dependency and
its own error model for no measured gain; nothing heavy was measured for this choice.

botocore's own retries are off: every retry follows the one policy of
:mod:`chronox_domain.backoff`, and gives up as ``SourceUnavailable``. Errors are
redacted of both keys before anyone sees them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from chronox_adapters.flatfiles.config import FlatFilesConfig
from chronox_domain.backoff import Backoff
from chronox_domain.errors import SourceUnavailable
from chronox_domain.redaction import redact

T = TypeVar("T")

#: The answers that mean "this object is not given to you": not yet published, outside
#: the plan's history, or not entitled (the vendor's 403 does not say which).
NOT_THERE = frozenset({403, 404})
#: Codes of a 403 that are about the keys, not the object: the run cannot go on.
KEYS_REFUSED = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch"})


class NotThere(Exception):
    """The server's 403/404 for one object, in its own words (redacted)."""


def open_client(config: FlatFilesConfig) -> Any:
    import boto3  # the family's library, loaded when used
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        region_name="us-east-1",
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
        ),
    )


class Retrying:
    """Calls with the shared backoff; a 403/404 raises :class:`NotThere` at once."""

    def __init__(
        self, config: FlatFilesConfig, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._config = config
        self._backoff = Backoff(config.backoff_base, config.backoff_cap)
        self._sleep = sleep

    def call(self, what: str, attempt: Callable[[], T]) -> T:
        tries = 0
        while True:
            try:
                return attempt()
            except Exception as exc:  # classified below: botocore's, urllib3's, socket's
                status, code = _status(exc)
                if status in NOT_THERE and code not in KEYS_REFUSED:
                    raise NotThere(self.redacted(_answer(exc, status, code))) from None
                if not _transient(exc, status) or tries >= self._config.max_retries:
                    raise SourceUnavailable(
                        f"flat files: {what} failed: {self.redacted(_answer(exc, status, code))}"
                    ) from None
                tries += 1
                self._sleep(self._backoff.delay(tries))

    def redacted(self, text: str) -> str:
        return redact(text, self._config.secrets)

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def pause(self, attempt: int) -> None:
        self._sleep(self._backoff.delay(attempt))


def _status(exc: Exception) -> tuple[int | None, str]:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None, ""
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(response.get("Error", {}).get("Code", ""))
    return (int(status) if status is not None else None), code


def _transient(exc: Exception, status: int | None) -> bool:
    """Worth another try: the server's 5xx or 429, or no answer at all (a connection
    refused, reset or timed out, a body cut off)."""
    if status is not None:
        return status >= 500 or status == 429
    from botocore.exceptions import (
        BotoCoreError,
        ConnectionError,
        IncompleteReadError,
        ReadTimeoutError,
        ResponseStreamingError,
    )

    transport = (ConnectionError, ReadTimeoutError, IncompleteReadError, ResponseStreamingError)
    return isinstance(exc, (*transport, OSError)) or (
        isinstance(exc, BotoCoreError) and "Connect" in type(exc).__name__
    )


def _answer(exc: Exception, status: int | None, code: str) -> str:
    """The server's answer in one line: ``403 AccessDenied: Access Denied``."""
    response = getattr(exc, "response", None)
    message = ""
    if isinstance(response, dict):
        message = str(response.get("Error", {}).get("Message", "") or "")
    if status is None:
        return " ".join(str(exc).split()) or type(exc).__name__
    text = f"{status} {code}".strip()
    return f"{text}: {message}" if message and message != code else text
