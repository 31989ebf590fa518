"""The API's ``{"error", "detail"}`` answers mapped back into the ``ChronoxError``
hierarchy, and transport failures into one-line ``SourceUnavailable``s."""

from __future__ import annotations

import json
import re

import httpx

from chronox_domain import errors
from chronox_domain.errors import (
    ActionsNotSynced,
    ChronoxError,
    InvalidInput,
    LegacyBasisUnknown,
    NotFound,
    NotRegistered,
    SourceMismatch,
    SourceUnavailable,
    StorageUnavailable,
    Unauthorized,
    typed_first_line,
)
from chronox_domain.redaction import redact

#: Errors whose constructor takes the message alone, by code.
_BY_CODE: dict[str, type[ChronoxError]] = {
    kind.code: kind
    for kind in (
        errors.InvalidInput,
        errors.InvalidSymbol,
        errors.InvalidTimeframe,
        errors.InvalidRange,
        errors.MalformedData,
        errors.NotFound,
        errors.SourceUnavailable,
        errors.RateLimited,
        errors.WindowRefused,
        errors.StorageUnavailable,
        errors.SchemaMismatch,
        errors.Unauthorized,
        errors.BasisChanged,
    )
}
#: One symbol (``ZZZ is not ...``) or several (``YYY, ZZZ are not ...``).
_NOT_REGISTERED = re.compile(r"^(?P<symbols>[^\s,]+(?:, [^\s,]+)*) (?:is|are) not in the registry")
_NOT_SYNCED = re.compile(r"^the corporate actions of (?P<symbol>\S+) were never synced")
_LEGACY = re.compile(r"^(?P<symbol>\S+) holds bars an earlier chronox stored split-adjusted")
_MISMATCH = re.compile(
    r"^(?P<symbol>\S+) (?P<timeframe>\S+) is stored from (?P<recorded>.+); "
    r"refusing to mix in (?P<asked>\S+)$"
)
#: The most of an answer that is not ours an error quotes.
_QUOTE = 200


def answer_error(response: httpx.Response, secrets: tuple[str, ...] = ()) -> ChronoxError:
    """The error a non-2xx ``response`` stands for."""
    code, detail = _parsed(response)
    detail = redact(detail, secrets)
    status = response.status_code
    found = _BY_CODE.get(code)
    if status == 401:
        return Unauthorized(detail)
    if status == 404:
        match = _NOT_REGISTERED.match(detail)
        if match:
            return NotRegistered(*match["symbols"].split(", "))
        if synced := _NOT_SYNCED.match(detail):
            return ActionsNotSynced(synced["symbol"])
        return found(detail) if found and issubclass(found, NotFound) else NotFound(detail)
    if status == 409:
        if legacy := _LEGACY.match(detail):
            return LegacyBasisUnknown(legacy["symbol"])
        return _mismatch(detail)
    if status == 503:
        if found and issubclass(found, StorageUnavailable | SourceUnavailable):
            return found(detail)
        return SourceUnavailable(detail)
    if status in (400, 413, 422) or 400 <= status < 500:
        if found and issubclass(found, InvalidInput):
            return found(detail)
        return InvalidInput(detail)
    return SourceUnavailable(f"the chronox API answered {status}: {detail}")


def transport_error(
    error: httpx.HTTPError, base_url: str, secrets: tuple[str, ...] = ()
) -> SourceUnavailable:
    """One line for a request that got no answer."""
    if isinstance(error, httpx.TimeoutException):
        text = f"the chronox API at {base_url} did not answer in time ({typed_first_line(error)})"
    else:
        text = f"the chronox API at {base_url} is unreachable ({typed_first_line(error)})"
    return SourceUnavailable(redact(text, secrets))


def late_error(
    base_url: str, seconds: float, what: str, secrets: tuple[str, ...] = ()
) -> SourceUnavailable:
    """One line for a call that had no whole answer within its deadline."""
    text = f"the chronox API at {base_url} did not answer {what} within {seconds:g} s"
    return SourceUnavailable(redact(text, secrets))


def frame_error(code: str, detail: str, secrets: tuple[str, ...] = ()) -> ChronoxError:
    """The error of a WebSocket error frame."""
    found = _BY_CODE.get(code, ChronoxError)
    return found(redact(detail, secrets))


def _parsed(response: httpx.Response) -> tuple[str, str]:
    """The answer's code and detail; for one that is not ours, its first line."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("detail", ""))
    lines = response.text.strip().splitlines()
    text = lines[0][:_QUOTE] if lines else response.reason_phrase
    return "", text


def _mismatch(detail: str) -> SourceMismatch:
    match = _MISMATCH.match(detail)
    if match:
        recorded = tuple(match["recorded"].split(", "))
        return SourceMismatch(match["symbol"], match["timeframe"], recorded, match["asked"])
    error = SourceMismatch.__new__(SourceMismatch)
    Exception.__init__(error, detail)
    error.symbol, error.timeframe, error.recorded, error.asked = "", "", (), ""
    return error
