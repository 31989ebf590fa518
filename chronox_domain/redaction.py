"""Secrets out of text that came from elsewhere (a vendor's error message, a driver's
exception) before anyone is shown it: one helper, for every place such text surfaces.

``redact`` masks what looks like a credential whatever the configuration (a bearer
token, an ``apiKey=`` or ``token=`` parameter, the password of a URL), and every value
in ``secrets`` (the vendor key, the API token: whatever this deployment knows to be
secret). Masked text reads ``***``; running it twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"

#: ``Bearer <token>`` (an Authorization header quoted back).
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+")
#: ``apiKey=...``, ``api_key: ...``, ``token=...``, ``password=...`` in a query string,
#: a form or a message; a quoted value whole (``password='a b'`` in a libpq conninfo).
_PARAMETER = re.compile(
    r"(?i)(\b(?:api[_-]?key|access[_-]?token|token|secret|password|passwd|pwd)"
    r"\s*[=:]\s*[\"']?)(?:(?<=')[^']+|(?<=\")[^\"]+|[^\s&\"',;]+)"
)
#: ``scheme://user:password@host``: the password, whatever the user.
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)[^\s/@]+(@)")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with credentials and each of ``secrets`` masked."""
    # Longest first: a secret that contains another is masked whole.
    for secret in sorted({s for s in secrets if s and s.strip()}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(rf"\1{MASK}\2", text)
    text = _BEARER.sub(rf"\1{MASK}", text)
    return _PARAMETER.sub(rf"\1{MASK}", text)


def url_secrets(url: str) -> tuple[str, ...]:
    """The password of ``url`` as written and percent-decoded (none when it has none or
    is no URL): the ``secrets`` to mask in a driver's message about that server."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    if not password:
        return ()
    return tuple(dict.fromkeys((password, unquote(password))))
