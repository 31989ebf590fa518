"""The vendor's flat files for tests: moto's S3 server on loopback, and day files in the
vendor's exact format.

    with S3Server() as s3:
        day = date(2024, 1, 3)
        rows = with_duplicate(market_day(day, MIXED_CASE_TICKERS))
        etag = put_day_file(s3, day, rows)                    # us_stocks_sip/minute_aggs_v1/...
        put_day_file(s3, day, day_bars(day, rows), "day_aggs_v1")
        s3.deny(day_key(date(2024, 1, 4)))                    # a 403 for a key
        ...  # chronox: endpoint=s3.endpoint, keys s3.access_key_id / s3.secret_access_key
        assert s3.downloads() == []                           # "downloads nothing"

Server (``server.py``)
    moto 5's server (PyPI ``moto[server]``, a real S3 protocol server: boto3 is not
    mocked) in a thread on 127.0.0.1 and a free port, with the bucket ``flatfiles``.
    ``.endpoint``, ``.access_key_id``, ``.secret_access_key``, ``.bucket``,
    ``.client`` (the stub's own boto3 client: not logged, never refused),
    ``.new_client()`` (one as chronox would make), ``.requests()`` (``S3Request``:
    method, bucket, key, query, status, operation such as ``GetObject``/``HeadObject``/
    ``ListObjectsV2``, range, denied, ``at``), ``.downloads()`` (the object GETs),
    ``.reset_log()``, ``.deny(*keys)``/``.allow(*keys)``, ``.unpublished_status``.
    One server per process at a time (moto's state is per process; start resets it).

The vendor, as the stub imitates it (sources)
    [S3] https://massive.com/knowledge-base/article/how-to-get-started-with-s3
    [READY] https://massive.com/knowledge-base/article/what-time-are-massives-flat-files-ready-each-day
    [QUICK] https://massive.com/flat-files (Flat Files Quickstart)
    [DAY] https://massive.com/docs/flat-files/stocks/day-aggregates
    [OPT] https://massive.com/docs/flat-files/options/day-aggregates.md
    [IDX] https://massive.com/docs/flat-files/indices/minute-aggregates.md and its file
          browser https://massive.com/docs/flat-files/indices/minute-aggregates/2024/09
    [REST] https://massive.com/knowledge-base/article/why-doesnt-a-bar-from-the-rest-api-match-the-flat-files
    [FORMT] https://massive.com/knowledge-base/article/does-a-form-t-trade-update-a-pre-market-minute-bars-high-low-open-and-close
    [WS] https://massive.com/docs/websocket/stocks/aggregates-per-minute.md
    [ERR] https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html

    - Endpoint ``https://files.massive.com``, bucket ``flatfiles``, S3 access key and
      secret of their own (not the REST API key), any S3 client [S3]. The stub checks
      the access key id of each request (403 ``InvalidAccessKeyId`` otherwise, S3's
      answer [ERR]); it does not verify signatures.
    - Layout ``us_stocks_sip/day_aggs_v1`` [DAY] and ``.../minute_aggs_v1``, one file
      ``YYYY/MM/YYYY-MM-DD.csv.gz`` per day [IDX]: ``day_key``. Issue 20 cites
      ``us_stocks_sip/minute_aggs_v1/YYYY/MM/YYYY-MM-DD.csv.gz``.
    - Columns ``ticker,volume,open,close,high,low,window_start,transactions`` in that
      order, close before high, no vwap [OPT]; ``window_start`` "the Unix nanosecond
      timestamp for the start of the aggregate window" [OPT][IDX]; a day row starts at
      midnight New York (``1679889600000000000`` is 2023-03-27 00:00 EDT) [OPT]. A
      ticker's rows are in time order; tickers are not sorted [IDX][OPT].
    - Volume a decimal (``17798.430378``) from the session of 2026-02-23, whole before:
      from issue 20's vendor facts; the stored docs only show the vendor's clients
      gaining fractional volumes that week (massive-com/client-python v2.3.0, 2026-02-25,
      "Adds support for fractional shares to REST and Websocket endpoints").
    - Minute files hold the extended session's minutes (pre-market and after-hours) and
      carry the REST endpoint's bars [FORMT]; a minute without an eligible trade has no
      bar [WS]; a daily bar never takes its prices from an extended-hours Form T trade
      [FORMT] (``day_bars``).
    - Files are not split-adjusted: a file row is the bar as traded, while REST adjusts
      by default (ETHA's 1-for-3: 20.34 on 45,879 shares in the file, 61.02 on 15,293 in
      REST) [REST].
    - A day's files are ready by about 11:00 ET the next day, sometimes earlier: check
      for the file, not the clock; a published file can be replaced later, so a copy
      downloaded is not always the latest [READY][QUICK]. Republishing changed rows with
      ``put_day_file`` gives a new ETag; unchanged rows give the same bytes and ETag.
    - A 403 does not say why: outside the plan or its history, not yet published, or
      agreements not signed [S3]. The stub answers every refusal with the same S3
      ``AccessDenied`` document [ERR] (the vendor documents no body): ``deny(key)`` for
      a file outside the plan, and an absent file (not yet published) by default;
      ``unpublished_status = 404`` gives S3's ``NoSuchKey`` instead.
    - Defects seen in the wild (issue 20; no vendor page states them): duplicate rows
      (``with_duplicate``; conflicting ones ``with_conflicting_duplicate``), a nonsense
      ``window_start`` (``with_nonsense_window_start``), missing closing bars
      (``without_closing_bars``). A ticker absent from a complete day file had no
      eligible trade that day (``without_ticker``).

Rows (``dayfile.py``, ``market.py``)
    ``DayFileRow(ticker, volume, open, close, high, low, window_start_ns,
    transactions)``; ``day_file_bytes(rows, *, decimal_volume)`` (gzip, ``mtime=0``),
    ``put_day_file(server, day, rows, kind="minute_aggs_v1", prefix="us_stocks_sip")
    -> etag`` (quoted, as S3 sends it), ``delete_day_file``, ``read_day_file``,
    ``window_start_ns(day, time)``; ``market_day(day, tickers, seed=, missing=,
    start=, end=)`` (04:00-20:00 New York by default, some minutes missing,
    deterministic), ``MIXED_CASE_TICKERS`` (``BRK.A``, ``KIMpL``), ``day_bars``.
"""

from tests.flatfiles_stub.dayfile import (
    DECIMAL_VOLUME_FROM,
    HEADER,
    MINUTE_NS,
    DayFileRow,
    Kind,
    day_file_bytes,
    day_file_text,
    day_key,
    delete_day_file,
    put_day_file,
    read_day_file,
    uses_decimal_volume,
    window_start_ns,
)
from tests.flatfiles_stub.log import S3Request
from tests.flatfiles_stub.market import (
    MIXED_CASE_TICKERS,
    day_bars,
    market_day,
    with_conflicting_duplicate,
    with_duplicate,
    with_nonsense_window_start,
    without_closing_bars,
    without_ticker,
)
from tests.flatfiles_stub.server import BUCKET, S3Server, iter_keys

__all__ = [
    "BUCKET",
    "DECIMAL_VOLUME_FROM",
    "HEADER",
    "MINUTE_NS",
    "MIXED_CASE_TICKERS",
    "DayFileRow",
    "Kind",
    "S3Request",
    "S3Server",
    "day_bars",
    "day_file_bytes",
    "day_file_text",
    "day_key",
    "delete_day_file",
    "iter_keys",
    "market_day",
    "put_day_file",
    "read_day_file",
    "uses_decimal_volume",
    "window_start_ns",
    "with_conflicting_duplicate",
    "with_duplicate",
    "with_nonsense_window_start",
    "without_closing_bars",
    "without_ticker",
]
