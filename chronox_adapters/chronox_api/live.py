"""Live bars over the API's ``/ws/bars``, reconnecting by itself.

After a lost connection, ``subscribe`` reconnects with a capped exponential backoff and
asks the server to replay each symbol's latest bars (``ChronoxApiConfig.catch_up``): the
bars stored while it was away arrive first, and those it had already delivered are
skipped (a corrected bar, different from the one delivered, is delivered again).

Every bar is on the price basis asked (``adjust``, ``splits`` unless told; its own
``adjust`` field says so). When a split or an ex-date takes effect while subscribed, the
bars delivered before it are stale on ``splits`` and ``all``: the server says so and
``subscribe`` raises ``BasisChanged``, for the caller to read its bars again and
subscribe anew (reconnecting on its own would skip the re-read bars as delivered)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterable
from urllib.parse import urlencode

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from chronox_adapters.chronox_api.config import ChronoxApiConfig
from chronox_adapters.chronox_api.errors import frame_error
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.errors import ChronoxError, InvalidInput, SourceUnavailable
from chronox_domain.redaction import redact
from chronox_presentation.bars import LiveBarOut

#: What the server closes with when the client sent something wrong (no point retrying).
POLICY_VIOLATION = 1008


async def subscribe(
    config: ChronoxApiConfig,
    symbols: Iterable[str],
    timeframe: str = "1m",
    replay: int = 0,
    adjust: str = "splits",
) -> AsyncGenerator[LiveBarOut, None]:
    """Bars of ``symbols`` as the server stores them: first the last ``replay`` of each
    symbol, read on the price basis ``adjust`` (``splits``, ``none`` or ``all``), then
    live ones, until the caller stops iterating.

    Raises the error the server sent for bad input or a missing token (``InvalidInput``,
    ``Unauthorized``), ``BasisChanged`` when the basis moved under the subscription, and
    ``SourceUnavailable`` after ``config.max_reconnects`` failed attempts in a row."""
    wanted = ",".join(symbols)
    if not wanted:
        raise InvalidInput("subscribe to at least one symbol")
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
    delivered: dict[str, LiveBarOut] = {}  # the last bar delivered, by symbol
    failures = 0
    pause = Backoff(config.reconnect_base, config.reconnect_cap, equal_jitter)
    ask = replay
    while True:
        url = f"{config.ws_url}/ws/bars?" + urlencode(
            {"symbols": wanted, "timeframe": timeframe, "replay": ask, "adjust": adjust}
        )
        problem: str
        try:
            async with connect(
                url, additional_headers=headers, open_timeout=config.connect_timeout
            ) as socket:
                async for frame in socket:
                    data = json.loads(frame)
                    if "error" in data:
                        error = frame_error(
                            data["error"], str(data.get("detail", "")), config.secrets()
                        )
                        if not _transient(error):
                            raise error
                        problem = str(error)
                        break
                    bar = LiveBarOut.model_validate(data)
                    if _seen(delivered.get(bar.symbol), bar):
                        continue
                    delivered[bar.symbol] = bar
                    failures = 0
                    yield bar
                else:
                    problem = "the server closed the connection"
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == POLICY_VIOLATION:
                raise InvalidInput(redact(closed.rcvd.reason, config.secrets())) from None
            problem = "the connection was lost"
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
            problem = f"{type(error).__name__}: {error}"
        failures += 1
        if config.max_reconnects is not None and failures > config.max_reconnects:
            raise SourceUnavailable(
                redact(
                    f"live bars from {config.base_url}: {problem} ({failures} attempts in a row)",
                    config.secrets(),
                )
            )
        await asyncio.sleep(pause.delay(failures))
        ask = config.catch_up


def _transient(error: ChronoxError) -> bool:
    """An error frame worth reconnecting after (the feed failed, not our request)."""
    return isinstance(error, SourceUnavailable)


def _seen(last: LiveBarOut | None, bar: LiveBarOut) -> bool:
    """Whether ``bar`` was delivered already: older than the last one, or that very bar."""
    if last is None:
        return False
    return bar.start < last.start or bar == last
