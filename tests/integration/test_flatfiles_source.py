"""``S3DayFiles`` against moto's S3 server on loopback: a day file parsed by the parser
process reads exactly as parsed in this process; what goes wrong in the process (a file
that is not the vendor's, not text, cut short) is the same one-line error; the process
serves one file after another, and is replaced after a failure or a read given up."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from datetime import date

import pytest

from chronox_adapters.flatfiles import FlatFilesConfig, S3DayFiles
from chronox_domain.dayfiles import DayFileKind, DayFileRead, TickerRows
from chronox_domain.errors import MalformedData, SourceUnavailable
from tests.flatfiles_stub import S3Server, day_file_bytes, market_day, put_day_file

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

DAY = date(2024, 1, 3)
LATER = date(2026, 3, 4)  # decimal volumes
TICKERS = [f"T{i:03d}" for i in range(60)] + ["BRK.A", "KIMpL"]
MINUTES = DayFileKind.MINUTES


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        put_day_file(server, DAY, market_day(DAY, TICKERS, missing=0.2))
        put_day_file(server, LATER, market_day(LATER, TICKERS[:5]))
        yield server


def files(s3: S3Server, *, process: bool = True) -> S3DayFiles:
    config = FlatFilesConfig(
        s3.access_key_id, s3.secret_access_key, endpoint=s3.endpoint, max_retries=0,
        parser_process=process,
    )  # fmt: skip
    return S3DayFiles(config)


def rows(read: object) -> list[tuple[object, ...]]:
    assert isinstance(read, DayFileRead)
    return [flat(run) for run in read.rows]


def flat(run: TickerRows) -> tuple[object, ...]:
    columns = (run.start_ns, run.open, run.high, run.low, run.close, run.volume, run.trades)
    return (run.ticker, *(column.tobytes() for column in columns))


def parser_pid(source: S3DayFiles) -> int | None:
    process = source._parser._process if source._parser else None
    return None if process is None or process.poll() is not None else process.pid


def test_the_parser_process_reads_what_this_process_reads(s3: S3Server) -> None:
    here, there = files(s3, process=False), files(s3)
    for day in (DAY, LATER):
        for tickers in (None, ["KIMpL", "T001", "ZZZ"]):
            expected = rows(here.read(day, MINUTES, tickers))
            assert expected and rows(there.read(day, MINUTES, tickers)) == expected
    assert len(rows(here.read(DAY, MINUTES, None))) == len(TICKERS)


def test_one_process_serves_file_after_file(s3: S3Server) -> None:
    source = files(s3)
    rows(source.read(DAY, MINUTES, None))
    first = parser_pid(source)
    rows(source.read(LATER, MINUTES, None))
    assert first is not None and parser_pid(source) == first


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (gzip.compress(b"ticker,open,close\nSPY,1,2\n"), MalformedData, "lacks volume, high"),
        (gzip.compress(b"ticker,volume\n\xff\xfe\n"), MalformedData, "not UTF-8"),
        (day_file_bytes(market_day(DAY, ["SPY"]), decimal_volume=False)[:-40], SourceUnavailable,
         "truncated"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_fails_in_one_line_and_the_next_one_reads(
    s3: S3Server, body: bytes, error: type[Exception], words: str
) -> None:
    bad = date(2024, 1, 4)
    put_day_file(s3, bad, [], body=body)
    for process in (True, False):
        source = files(s3, process=process)
        with pytest.raises(error, match=words) as caught:
            rows(source.read(bad, MINUTES, None))
        assert "\n" not in str(caught.value)
        assert len(rows(source.read(DAY, MINUTES, None))) == len(TICKERS)


def test_a_read_given_up_stops_the_process_and_its_thread(s3: S3Server) -> None:
    source = files(s3)
    read = source.read(DAY, MINUTES, None)
    assert isinstance(read, DayFileRead)
    assert next(read.rows).ticker == TICKERS[0]
    first = parser_pid(source)
    read.rows.close()  # type: ignore[attr-defined]
    assert parser_pid(source) is None
    assert not [t for t in threading.enumerate() if t.name.startswith("flatfiles ")]
    assert len(rows(source.read(DAY, MINUTES, None))) == len(TICKERS)
    assert parser_pid(source) not in (None, first)
