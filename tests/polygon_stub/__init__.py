"""A Polygon/Massive-compatible stub server for tests: REST aggregates and the live feed.

    with PolygonStub(page_size=500) as stub:
        client = RESTClient(stub.api_key, base=stub.base_url, retries=0)
        aggs = list(client.list_aggs("SPY", 1, "minute", from_ms, to_ms))
        assert len(aggs) == len(stub.expected_bars("SPY", Timeframe.M1, window))

Everything listens on 127.0.0.1, on free ports, in daemon threads; ``stop()`` (or leaving
the ``with``) closes every connection and returns within a few seconds at most.

Data
    Deterministic synthetic bars (``SyntheticSource(calendar, seed)``): every minute of
    the extended session (04:00-20:00 New York) that traded, as the vendor serves them.
    ``expected_bars(symbol, timeframe, window)`` gives the bars starting in ``window``.

REST (``base_url``)
    ``GET /v2/aggs/ticker/{T}/range/{m}/{span}/{from}/{to}`` for 1/minute, 5/minute,
    15/minute, 1/hour, 1/day. ``from``/``to`` are epoch milliseconds, both inclusive
    (bars whose *start* lies in ``[from, to]``), or ``YYYY-MM-DD`` dates standing for
    whole UTC days (the vendor uses the exchange's day; adapters send milliseconds).
    Query: ``adjusted`` (echoed; the data has no splits applied), ``sort`` (``asc``
    only, anything else is 400), ``limit`` (default 5000, capped at 50000; unlike the
    vendor, it counts result bars, not base aggregates), ``apiKey``. A page holds
    ``min(limit, page_size)`` bars; when more remain, ``next_url`` is this URL with
    ``from`` moved to the next bar's start and the same query. ``queryCount``,
    ``resultsCount`` and ``count`` are the page's bar count; an empty page has no
    ``results`` key. ``GET /v3/reference/splits?ticker=T`` serves ``stub.splits``.
    Auth: ``Authorization: Bearer <key>`` or ``apiKey=<key>``, else 401 "Unknown API Key".
    Other paths: 404 JSON. ``stub.requests`` / ``aggs_requests()`` / ``reset_log()``.

Faults (``stub.faults``; thread-safe, armable while running)
    Request faults form one queue; each aggregates request takes the next one (splits
    and unknown paths never do), so ``rate_limit(1); server_errors([502])`` spoils
    the next two aggregates requests in that order.
    ``rate_limit(count, retry_after=1)``  429, ``Retry-After: <seconds>``, vendor JSON.
    ``server_errors([500, 502, 503])``    those statuses in order (500 is JSON, the
                                          others a gateway's HTML page).
    ``hang(seconds, count=1)``            wait, then answer normally; other requests
                                          are served meanwhile, and stop() cuts it short.
    ``malformed(count=1)``                200 with half of the JSON body.
    ``empty_page(count=1)``               200, ``resultsCount: 0``, no ``results``.
    ``outside_range(count=1)``            the page plus up to 3 real bars before
                                          ``from`` and 3 after ``to``.
    ``ws_disconnect_after(n, abrupt=False)``  after ``n`` more aggregate messages (over
                                          all connections) every live connection is
                                          dropped: close 1011, or with ``abrupt`` TCP
                                          closed with no close frame (1006).
    ``clear()``, ``pending()``.

Live feed (``ws_host``; the client connects to ``ws://{ws_host}/stocks``)
    ``connected`` status on connect; ``auth`` -> ``auth_success`` or ``auth_failed``
    and close; ``subscribe``/``unsubscribe`` ``"AM.SPY,AM.QQQ"`` (``AM.*`` too) ->
    one ``success`` status per topic. ``stub.live.emit(bars)`` sends 1m bars as ``AM``
    events, one message per minute per subscribed connection;
    ``stub.live.play(symbols, start, minutes, interval=0.0)`` emits the synthetic
    minutes of a span. ``stub.live.connections()``,
    ``stub.live.wait_for_subscribers(n, timeout, topic=None)`` (raises TimeoutError),
    ``stub.live.sent`` ((symbol, start) per event per connection).
"""

from tests.polygon_stub.faults import Faults
from tests.polygon_stub.log import RequestRecord
from tests.polygon_stub.stub import PolygonStub
from tests.polygon_stub.ws import LiveFeed

__all__ = ["Faults", "LiveFeed", "PolygonStub", "RequestRecord"]
