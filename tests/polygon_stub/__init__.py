"""A Polygon/Massive-compatible stub server for tests: REST aggregates, reference data and
the live feed.

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

REST (``base_url``), imitating the vendor (sources cited in ``rest.py``)
    ``GET /v2/aggs/ticker/{T}/range/{m}/{span}/{from}/{to}`` for 1/minute, 5/minute,
    15/minute, 1/hour, 1/day. ``from``/``to`` are epoch milliseconds, both inclusive
    (bars whose *start* lies in ``[from, to]``), or ``YYYY-MM-DD`` dates standing for
    whole UTC days (the vendor uses the exchange's day; adapters send milliseconds).
    ``T`` is case-sensitive: ``KIMpL`` and ``KIMPL`` are different series.
    Query: ``adjusted`` (``true``/``false``, default true: prices before a split in
    ``stub.splits`` are divided by ``split_to/split_from`` and volumes multiplied;
    the page's ``adjusted`` says which), ``sort`` (``asc`` only, else 400), ``limit``
    (default 5000, capped at 50000), ``cursor``, ``apiKey``.
    ``limit`` counts *base aggregates*, as the vendor's does: traded minute bars
    (extended hours included) for minute and hour spans, days for 1/day. A page holds
    whole bars while their base aggregates add up to at most ``limit``, and at most
    ``page_size`` bars; ``queryCount`` is the base aggregates used, ``resultsCount``
    and ``count`` the bars. A first bar larger than ``limit`` gets an empty page.
    When more remain, ``next_url`` is ``.../{next bar's start ms}/{to}?cursor=C``,
    ``C`` the URL-safe base64 of ``limit=N&sort=asc``: a follow-up takes limit and sort
    from the cursor and everything else (``adjusted``!) from its own query only.
    An empty page has no ``results`` key. A renamed company's series is served under
    each of its tickers only for the session dates that ticker named it (META's events:
    FB before 2022-06-09, META from it; asking META for 2021 answers nothing), as the
    vendor keeps each ticker's history as it traded (cited in ``reference_data.py``).
    ``stub.base_aggregates(symbol, tf, window)``
    and ``stub.expected_bars(symbol, tf, window, adjusted=True)`` give what to expect.
    ``GET /v3/reference/splits``: ``stub.splits`` for ``ticker`` exactly (all without
    it), newest first (``order``, ``sort`` accepted), ``limit`` default 10 and 1..1000
    (else 400), ``next_url`` with a cursor holding the whole query when more remain;
    date/range filters are refused (400).
    Reference endpoints (``stub.reference``, a ``ReferenceData``: the vendor's
    documented examples until a test changes them; sources cited in
    ``reference_data.py`` and ``reference.py``):
    ``GET /stocks/v1/splits`` and ``GET /stocks/v1/dividends``: ``results`` (the
    ``StockSplit`` / ``StockDividend`` fields, ``adjustment_type`` one of forward_split,
    reverse_split, stock_dividend, ``historical_adjustment_factor`` cumulative over the
    ticker's later splits), ``status``, ``request_id``, and ``next_url`` (a cursor with
    the whole query) while more remain. Filters ``field`` and ``field.any_of/.gt/.gte/
    .lt/.lte`` on ticker, execution_date, adjustment_type (splits) or ticker,
    ex_dividend_date, frequency, distribution_type (dividends); ``sort`` "col.asc|desc,
    ..." (default the date, descending); ``limit`` default 100, 1..5000 (else 400).
    ``GET /v3/reference/tickers/{T}``: the overview (``list_date``, ``delisted_utc``,
    ``active``...); ``GET /vX/reference/tickers/{T}/events``: ticker changes, newest
    first. A ticker with no record gets a generic overview (no ``list_date``, no events)
    when the aggregates know it (``tickers``), else, as a company's former ticker (FB),
    404 ``NOT_FOUND`` "Ticker not found."; unknown tickers' splits and dividends are
    empty lists. Data: AAPL's three splits (2005, 2014, 2020) and two cash dividends,
    GE's 1-for-8 reverse split, a stock dividend (STKD), META's events (FB from
    2012-05-18, META from 2022-06-09), SNOW listed 2020-09-16, TWTR delisted
    (``active`` false). Faults: ``stub.reference_faults``, their own queue (rate_limit,
    rate_limit_for, server_errors, echo_headers, hang, malformed, empty_object;
    ``splits_foreign_items()``: the splits and dividends lists ignore ``ticker``).
    Auth: ``Authorization: Bearer <key>`` or ``apiKey=<key>``; none: 401 "API Key was
    not provided", a wrong one: 401 "Unknown API Key". Other paths: 404 JSON.

Plan switches (constructor keywords; the last four also settable while running)
    ``quota=N, quota_window=60.0``  at most N aggregates requests (``quota_scope="all"``:
                                    any request) per window of ``clock()`` seconds
                                    (``clock=time.time``), windows aligned on multiples
                                    of ``quota_window``; the rest get 429 with the
                                    vendor's JSON and no ``Retry-After``.
    ``history_from=date``           aggregates from before it: 403 ``NOT_AUTHORIZED``,
                                    "Your plan doesn't include this data timeframe...".
    ``tickers={...}`` / ``stub.known_tickers``  only these exact tickers have data; the
                                    others get an ordinary empty answer (None: all).
    ``delayed=True`` / ``stub.delayed``  pages say ``"status": "DELAYED"``.
    ``answer_time=S`` / ``stub.answer_time``  every REST answer waits S seconds before it
                                    goes out, in its own thread (the vendor's latency:
                                    concurrent requests wait at the same time).
    ``stub.remember_pages()``       each aggregates page is built once and kept (the
                                    same request again costs the stub no CPU: a
                                    benchmark's vendor should not compete with chronox
                                    for the cores); ``stub.warm(path, query)`` builds one
                                    ahead of time; ``stub.pages`` counts hits and misses.

Log
    ``stub.requests`` (``RequestRecord``: method, path, query, status, ``at`` monotonic
    arrival, ``fault``, ``wall`` time.time() arrival), ``aggs_requests()``,
    ``reference_requests()``,
    ``served_requests()`` (aggregates answered 200), ``rate_limited_requests()`` (every
    429: wasted; ``fault`` says ``rate_limit``, ``rate_limit_for`` or ``quota``),
    ``reset_log()``.

Faults (``stub.faults``; thread-safe, armable while running)
    Request faults form one queue; each aggregates request takes the next one (splits
    and unknown paths never do), so ``rate_limit(1); server_errors([502])`` spoils
    the next two aggregates requests in that order. A request over the quota or inside
    ``rate_limit_for`` takes none.
    ``rate_limit(count, retry_after=None)``  429, vendor JSON; ``Retry-After`` only when
                                          a number is given (the vendor sends none).
    ``rate_limit_for(seconds)``           every aggregates request in the next
                                          ``seconds`` (real time) gets that 429.
    ``server_errors([500, 502, 503])``    those statuses in order (500 is JSON, the
                                          others a gateway's HTML page).
    ``hang(seconds, count=1)``            wait, then answer normally; other requests
                                          are served meanwhile, and stop() cuts it short.
    ``malformed(count=1)``                200 with half of the JSON body.
    ``empty_page(count=1)``               200, ``resultsCount: 0``, no ``results``.
    ``null_results(count=1)``             200, the envelope with ``"results": null``.
    ``empty_object(count=1)``             200, the body ``{}`` exactly.
    ``wrong_basis(count=1)``              the page on the other price basis than asked
                                          (its ``adjusted`` field says so).
    ``outside_range(count=1)``            the page plus up to 3 real bars before
                                          ``from`` and 3 after ``to``.
    ``echo_headers(count=1, status=502)`` that 4xx/5xx with a text body echoing the
                                          request line and headers (the key included).
    ``splits_foreign_items(on=True)``     splits answers also list other tickers' items.
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
    Wrong key -> ``auth_failed`` "authentication failed", close 1008. Fault switches
    (``stub.live``; thread-safe; each cites the spec or the vendor's docs in ws.py):
    ``max_connections = N``                 past N authenticated connections the OLDEST
                                          gets ``max_connections`` "Maximum number of
                                          connections exceeded." and close 1008; the
                                          newcomer stays (None, the default: unlimited).
    ``evict_all(status="max_connections", message=None, persistent=False)``  that status
                                          (or force_disconnect / slow_consumer), then
                                          close 1008, to every connection; ``persistent``
                                          does it to each later one right after its
                                          subscription is answered; ``stop_evicting()``.
    ``refuse_auth(message=NO_WEBSOCKET_PLAN_MESSAGE)``  ``auth_failed`` with that text,
                                          even for the right key, then close 1008
                                          (None lifts it).
    ``refuse_subscriptions(message="not authorized")``  one ``error`` status per topic
                                          instead of ``success``; nothing subscribed.
    ``refuse_handshakes(status=502)``     answer the upgrade with that HTTP status.
    ``send_status(status, message)``, ``send_events([raw event dicts])``.
    ``connection_times()`` / ``refused_handshakes()``: time.monotonic() of each one.
"""

from tests.polygon_stub.faults import Faults
from tests.polygon_stub.log import RequestRecord
from tests.polygon_stub.stub import PolygonStub
from tests.polygon_stub.ws import LiveFeed

__all__ = ["Faults", "LiveFeed", "PolygonStub", "RequestRecord"]
