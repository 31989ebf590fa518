"""The typed Python client of chronox's REST API and ``/ws/bars`` (httpx, websockets).

The same file set as every family: ``config`` (frozen settings; the token never shown),
``client`` (``ChronoxClient``: every route, parsed into the API's own response models of
:mod:`chronox_presentation`), ``errors`` (the API's ``{"error", "detail"}`` answers back
into the ``ChronoxError`` hierarchy) and ``live`` (live bars, reconnecting by itself).
What the desk's monitor and other Python services use to call chronox.
"""

try:
    import httpx  # noqa: F401 (the client extra: said so here, not as a bare module name)
except ImportError as missing:
    raise ImportError(
        "the chronox API client needs the 'client' extra (httpx cannot be imported): "
        "pip install 'chronox[client]'",
        name=missing.name,
    ) from None

from chronox_adapters.chronox_api.client import ChronoxClient
from chronox_adapters.chronox_api.config import ChronoxApiConfig
from chronox_adapters.chronox_api.errors import answer_error

__all__ = ["ChronoxApiConfig", "ChronoxClient", "answer_error"]
