"""The flat-files stub, exercised with boto3 as chronox's adapter will use it.

These pin down the stub's behaviour (the vendor's format, ETags, its 403s, the request
log), so the adapter's and the CLI's tests can rely on it.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, time
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.flatfiles_stub import (
    HEADER,
    MINUTE_NS,
    MIXED_CASE_TICKERS,
    DayFileRow,
    S3Server,
    day_bars,
    day_file_bytes,
    day_file_text,
    day_key,
    delete_day_file,
    market_day,
    put_day_file,
    read_day_file,
    window_start_ns,
    with_conflicting_duplicate,
    with_duplicate,
    with_nonsense_window_start,
    without_closing_bars,
    without_ticker,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

DAY = date(2024, 1, 3)  # a Wednesday
NEXT_DAY = date(2024, 1, 4)


@pytest.fixture
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


def _status(error: ClientError) -> int:
    return int(error.response["ResponseMetadata"]["HTTPStatusCode"])


# -- the vendor's format -------------------------------------------------------------------


def test_window_start_is_unix_nanoseconds_new_york_time() -> None:
    # The options day-aggregates page's example: a day row starts at midnight New York.
    assert window_start_ns(date(2023, 3, 27), time(0)) == 1679889600000000000
    # 09:30 EST on 2024-01-03 is 14:30 UTC; 09:30 EDT on 2024-07-03 is 13:30 UTC.
    assert window_start_ns(DAY, time(9, 30)) == 1704292200000000000
    assert window_start_ns(date(2024, 7, 3), time(9, 30)) == 1720013400000000000


def test_rows_are_written_in_the_vendors_column_order() -> None:
    row = DayFileRow("BRK.A", 4021, 187.15, 187.2, 187.25, 187.1, 1704292200000000000, 57)
    assert day_file_text([row], decimal_volume=False) == (
        "ticker,volume,open,close,high,low,window_start,transactions\n"
        "BRK.A,4021,187.15,187.2,187.25,187.1,1704292200000000000,57\n"
    )
    decimal = DayFileRow("KIMpL", 17798.430378, 21.5, 21.52, 21.6, 21.45, 1771857000000000000, 9)
    assert day_file_text([decimal], decimal_volume=True).splitlines()[1] == (
        "KIMpL,17798.430378,21.5,21.52,21.6,21.45,1771857000000000000,9"
    )
    with pytest.raises(ValueError, match="whole volume"):
        day_file_text([decimal], decimal_volume=False)


def test_the_file_is_gzip_and_the_same_rows_give_the_same_bytes() -> None:
    rows = market_day(DAY, ["SPY"])
    data = day_file_bytes(rows, decimal_volume=False)
    assert data[:2] == b"\x1f\x8b"
    assert gzip.decompress(data).decode().splitlines()[0] == HEADER
    assert day_file_bytes(rows, decimal_volume=False) == data
    assert read_day_file(data) == rows


def test_volumes_are_decimal_from_2026_02_23() -> None:
    before = day_file_text(market_day(date(2026, 2, 20), ["AAPL"]), decimal_volume=False)
    after_rows = market_day(date(2026, 2, 23), ["AAPL"])
    after = day_file_text(after_rows, decimal_volume=True)
    assert all(re.fullmatch(r"\d+", line.split(",")[1]) for line in before.splitlines()[1:])
    assert any(row.volume != int(row.volume) for row in after_rows)
    assert all(re.fullmatch(r"\d+\.\d+", line.split(",")[1]) for line in after.splitlines()[1:])


def test_market_day_covers_the_extended_session_with_holes() -> None:
    rows = market_day(DAY, MIXED_CASE_TICKERS)
    assert rows == market_day(DAY, MIXED_CASE_TICKERS)  # deterministic
    assert [t for t in dict.fromkeys(row.ticker for row in rows)] == list(MIXED_CASE_TICKERS)
    first, last = window_start_ns(DAY, time(4)), window_start_ns(DAY, time(19, 59))
    for ticker in MIXED_CASE_TICKERS:
        starts = [row.window_start_ns for row in rows if row.ticker == ticker]
        assert starts == sorted(starts)
        assert first <= starts[0] and starts[-1] <= last
        assert all((start - first) % MINUTE_NS == 0 for start in starts)
        assert 0 < len(starts) < 16 * 60  # some minutes have no bar
    pre_market = [row for row in rows if row.window_start_ns < window_start_ns(DAY, time(9, 30))]
    after_hours = [row for row in rows if row.window_start_ns >= window_start_ns(DAY, time(16))]
    assert pre_market and after_hours
    for row in rows:
        assert row.low <= min(row.open, row.close) <= max(row.open, row.close) <= row.high
        assert row.volume > 0 and row.transactions > 0


def test_day_bars_roll_up_one_row_per_ticker_at_midnight() -> None:
    minutes = market_day(DAY, ["AAPL", "KIMpL"])
    bars = day_bars(DAY, minutes)
    assert [bar.ticker for bar in bars] == ["AAPL", "KIMpL"]
    aapl = bars[0]
    own = [row for row in minutes if row.ticker == "AAPL"]
    regular = [
        row
        for row in own
        if window_start_ns(DAY, time(9, 30)) <= row.window_start_ns < window_start_ns(DAY, time(16))
    ]
    assert aapl.window_start_ns == window_start_ns(DAY, time(0))
    assert aapl.volume == sum(row.volume for row in own)
    assert (aapl.open, aapl.close) == (regular[0].open, regular[-1].close)
    assert aapl.high == max(row.high for row in regular)


def test_defect_helpers() -> None:
    rows = market_day(DAY, ["AAPL", "BRK.A"])
    doubled = with_duplicate(rows, 5)
    assert len(doubled) == len(rows) + 1 and doubled[5] == doubled[6] == rows[5]
    conflicting = with_conflicting_duplicate(rows, 5)
    assert conflicting[6].window_start_ns == rows[5].window_start_ns
    assert conflicting[6].close != rows[5].close
    assert conflicting[6].low <= conflicting[6].close <= conflicting[6].high
    odd = with_nonsense_window_start(rows, "BRK.A")
    assert odd[-1].ticker == "BRK.A" and odd[-1].window_start_ns % MINUTE_NS != 0
    assert with_nonsense_window_start(rows, "AAPL", 0)[-1].window_start_ns == 0
    cut = without_closing_bars(rows, "AAPL", 3)
    aapl_last = sorted(row.window_start_ns for row in rows if row.ticker == "AAPL")[-3:]
    assert len(cut) == len(rows) - 3
    assert not any(r.ticker == "AAPL" and r.window_start_ns in aapl_last for r in cut)
    assert {row.ticker for row in without_ticker(rows, "AAPL")} == {"BRK.A"}


# -- the server ----------------------------------------------------------------------------


def test_boto3_lists_heads_and_gets_the_day_files(s3: S3Server) -> None:
    rows = market_day(DAY, MIXED_CASE_TICKERS)
    etag = put_day_file(s3, DAY, rows)
    day_etag = put_day_file(s3, DAY, day_bars(DAY, rows), "day_aggs_v1")
    assert day_key(DAY) == "us_stocks_sip/minute_aggs_v1/2024/01/2024-01-03.csv.gz"
    assert day_key(DAY, "day_aggs_v1") == "us_stocks_sip/day_aggs_v1/2024/01/2024-01-03.csv.gz"

    client = s3.new_client()
    january = "us_stocks_sip/minute_aggs_v1/2024/01/"
    listing = client.list_objects_v2(Bucket="flatfiles", Prefix=january)
    assert [(item["Key"], item["ETag"]) for item in listing["Contents"]] == [(day_key(DAY), etag)]
    head = client.head_object(Bucket="flatfiles", Key=day_key(DAY, "day_aggs_v1"))
    assert head["ETag"] == day_etag and re.fullmatch(r'"[0-9a-f]{32}"', day_etag)
    body = client.get_object(Bucket="flatfiles", Key=day_key(DAY))["Body"].read()
    assert body == day_file_bytes(rows, decimal_volume=False)
    assert read_day_file(body) == rows


def test_a_client_with_default_addressing_reads_the_files(s3: S3Server) -> None:
    put_day_file(s3, DAY, market_day(DAY, ["SPY"]))
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key,
        region_name="us-east-1",
    )
    assert client.get_object(Bucket=s3.bucket, Key=day_key(DAY))["Body"].read()[:2] == b"\x1f\x8b"
    assert [request.key for request in s3.downloads()] == [day_key(DAY)]


def test_republishing_changed_rows_changes_the_etag(s3: S3Server) -> None:
    rows = market_day(DAY, ["AAPL", "SPY"])
    first = put_day_file(s3, DAY, rows)
    assert put_day_file(s3, DAY, rows) == first  # the same bytes: the same ETag
    corrected = put_day_file(s3, DAY, with_duplicate(rows))
    assert corrected != first
    client = s3.new_client()
    assert client.head_object(Bucket="flatfiles", Key=day_key(DAY))["ETag"] == corrected
    listed = client.list_objects_v2(Bucket="flatfiles", Prefix=day_key(DAY))["Contents"]
    assert [item["ETag"] for item in listed] == [corrected]


def _refusal(call: Callable[[], object]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def _head_status(client: Any, key: str) -> int:
    return _status(_refusal(lambda: client.head_object(Bucket="flatfiles", Key=key)))


def _get_status(client: Any, key: str) -> int:
    return _status(_refusal(lambda: client.get_object(Bucket="flatfiles", Key=key)))


def test_a_denied_key_answers_403_that_does_not_say_why(s3: S3Server) -> None:
    put_day_file(s3, DAY, market_day(DAY, ["SPY"]))
    client = s3.new_client()
    s3.deny(day_key(DAY))

    denied = _refusal(lambda: client.get_object(Bucket="flatfiles", Key=day_key(DAY)))
    unpublished = _refusal(lambda: client.get_object(Bucket="flatfiles", Key=day_key(NEXT_DAY)))
    for error in (denied, unpublished):
        assert _status(error) == 403
        assert error.response["Error"]["Code"] == "AccessDenied"
        assert error.response["Error"]["Message"] == "Access Denied"
    assert _head_status(client, day_key(DAY)) == 403
    # The denied file is still listed (it exists); the unpublished one is not.
    listed = client.list_objects_v2(Bucket="flatfiles", Prefix="us_stocks_sip/")["Contents"]
    assert [item["Key"] for item in listed] == [day_key(DAY)]

    s3.allow(day_key(DAY))
    assert client.get_object(Bucket="flatfiles", Key=day_key(DAY))["Body"].read()
    assert [(r.operation, r.status, r.denied) for r in s3.requests() if r.key == day_key(DAY)] == [
        ("GetObject", 403, True),
        ("HeadObject", 403, True),
        ("GetObject", 200, False),
    ]


def test_an_unpublished_day_can_answer_s3s_404_instead(s3: S3Server) -> None:
    s3.unpublished_status = 404
    client = s3.new_client()
    error = _refusal(lambda: client.get_object(Bucket="flatfiles", Key=day_key(NEXT_DAY)))
    assert _status(error) == 404 and error.response["Error"]["Code"] == "NoSuchKey"
    assert _head_status(client, day_key(NEXT_DAY)) == 404
    with pytest.raises(ValueError):
        s3.unpublished_status = 500


def test_a_day_published_later_is_served_and_a_deleted_one_refused(s3: S3Server) -> None:
    client = s3.new_client()
    assert _head_status(client, day_key(NEXT_DAY)) == 403
    etag = put_day_file(s3, NEXT_DAY, market_day(NEXT_DAY, ["SPY"]))
    assert client.head_object(Bucket="flatfiles", Key=day_key(NEXT_DAY))["ETag"] == etag
    delete_day_file(s3, NEXT_DAY)
    assert _get_status(client, day_key(NEXT_DAY)) == 403


def test_another_access_key_is_refused(s3: S3Server) -> None:
    put_day_file(s3, DAY, market_day(DAY, ["SPY"]))
    stranger = s3.new_client(access_key_id="NOTTHEVENDORSKEY")
    error = _refusal(lambda: stranger.get_object(Bucket="flatfiles", Key=day_key(DAY)))
    assert _status(error) == 403 and error.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_the_log_counts_gets_and_leaves_out_the_stubs_own_requests(s3: S3Server) -> None:
    put_day_file(s3, DAY, market_day(DAY, ["SPY"]))
    put_day_file(s3, NEXT_DAY, market_day(NEXT_DAY, ["SPY"]))
    assert s3.requests() == []  # the stub's puts are not in the log

    client = s3.new_client()
    client.list_objects_v2(Bucket="flatfiles", Prefix="us_stocks_sip/minute_aggs_v1/2024/01/")
    client.head_object(Bucket="flatfiles", Key=day_key(DAY))
    client.get_object(Bucket="flatfiles", Key=day_key(DAY))["Body"].read()
    client.get_object(Bucket="flatfiles", Key=day_key(NEXT_DAY))["Body"].read()
    assert [r.operation for r in s3.requests()] == [
        "ListObjectsV2",
        "HeadObject",
        "GetObject",
        "GetObject",
    ]
    assert s3.requests()[0].query["prefix"] == "us_stocks_sip/minute_aggs_v1/2024/01/"
    assert [r.key for r in s3.downloads()] == [day_key(DAY), day_key(NEXT_DAY)]

    s3.reset_log()
    client.head_object(Bucket="flatfiles", Key=day_key(DAY))
    assert s3.downloads() == [] and len(s3.requests()) == 1


def test_ranged_downloads_are_logged_with_their_ranges(s3: S3Server) -> None:
    rows = market_day(DAY, [f"T{i}" for i in range(20)], missing=0.0)
    data = day_file_bytes(rows, decimal_volume=False)
    assert len(data) > 4 * 64 * 1024
    put_day_file(s3, DAY, rows)
    client = s3.new_client()
    sink = io.BytesIO()
    small_parts = TransferConfig(multipart_threshold=64 * 1024, multipart_chunksize=64 * 1024)
    client.download_fileobj("flatfiles", day_key(DAY), sink, Config=small_parts)
    assert sink.getvalue() == data
    ranges = [r.range for r in s3.downloads()]
    assert len(ranges) > 1 and all(r is not None and r.startswith("bytes=") for r in ranges)


def test_one_server_at_a_time_in_a_process(s3: S3Server) -> None:
    with pytest.raises(RuntimeError, match="already runs"):
        S3Server().start()
    s3.stop()
    with S3Server() as again:  # and a fresh one starts empty
        listing = again.client.list_objects_v2(Bucket="flatfiles")
        assert listing.get("Contents", []) == []
