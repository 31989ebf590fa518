"""The vendor's day file: one gzip CSV per session, every ticker's aggregates in it.

Format (sources in the package docstring): the header
``ticker,volume,open,close,high,low,window_start,transactions`` (close before high, no
vwap), ``window_start`` the Unix time of the bar's start in nanoseconds, and ``volume``
an integer until 2026-02-22 and a decimal (``17798.430378``) from 2026-02-23.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from tests.flatfiles_stub.server import S3Server

NEW_YORK = ZoneInfo("America/New_York")
HEADER = "ticker,volume,open,close,high,low,window_start,transactions"
#: The first session whose files carry decimal volumes (issue 20's vendor facts).
DECIMAL_VOLUME_FROM = date(2026, 2, 23)
MINUTE_NS = 60 * 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Kind = Literal["minute_aggs_v1", "day_aggs_v1"]


@dataclass(frozen=True, slots=True)
class DayFileRow:
    """One row of a day file, in the file's column order (close before high).

    ``volume`` is a float so that decimal volumes fit; before 2026-02-23 the vendor's
    volumes are whole and :func:`day_file_bytes` writes them without a fraction.
    """

    ticker: str
    volume: float
    open: float
    close: float
    high: float
    low: float
    window_start_ns: int
    transactions: int

    @property
    def start(self) -> datetime:
        """``window_start`` as an aware UTC datetime (to the microsecond)."""
        return _EPOCH + timedelta(microseconds=self.window_start_ns // 1_000)


def window_start_ns(day: date, at: time) -> int:
    """Nanoseconds since the epoch of ``at`` New York time on ``day`` (a minute bar's
    ``window_start``; ``time(0)`` is a day bar's)."""
    moment = datetime.combine(day, at, tzinfo=NEW_YORK)
    return (moment - _EPOCH) // _MICROSECOND * 1_000


def day_key(day: date, kind: Kind = "minute_aggs_v1", prefix: str = "us_stocks_sip") -> str:
    """``{prefix}/{kind}/YYYY/MM/YYYY-MM-DD.csv.gz``, the vendor's layout."""
    return f"{prefix}/{kind}/{day:%Y}/{day:%m}/{day.isoformat()}.csv.gz"


def uses_decimal_volume(day: date) -> bool:
    return day >= DECIMAL_VOLUME_FROM


def _volume_text(volume: float, decimal_volume: bool) -> str:
    if decimal_volume:
        return repr(float(volume))
    if volume != int(volume):
        raise ValueError(f"a whole volume was expected before 2026-02-23, got {volume!r}")
    return str(int(volume))


def day_file_text(rows: Iterable[DayFileRow], *, decimal_volume: bool) -> str:
    """The CSV before compression: the header, then one line per row as given (the
    rows' order and any duplicates are the caller's)."""
    out = io.StringIO()
    out.write(HEADER + "\n")
    for row in rows:
        out.write(
            f"{row.ticker},{_volume_text(row.volume, decimal_volume)},{row.open!r},"
            f"{row.close!r},{row.high!r},{row.low!r},{row.window_start_ns},"
            f"{row.transactions}\n"
        )
    return out.getvalue()


def day_file_bytes(rows: Iterable[DayFileRow], *, decimal_volume: bool) -> bytes:
    """The gzip CSV file. ``mtime=0``: the same rows give the same bytes, hence the
    same ETag, as republishing an unchanged file does on S3."""
    return gzip.compress(day_file_text(rows, decimal_volume=decimal_volume).encode(), mtime=0)


def put_day_file(
    server: S3Server,
    day: date,
    rows: Iterable[DayFileRow],
    kind: Kind = "minute_aggs_v1",
    prefix: str = "us_stocks_sip",
    *,
    decimal_volume: bool | None = None,
    body: bytes | None = None,
) -> str:
    """Publish (or republish) the day file at :func:`day_key` and return its ETag as S3
    sends it (quoted: ``'"9b2c..."'``). ``decimal_volume`` defaults to the vendor's rule
    for ``day``; ``body`` publishes those bytes instead of ``rows`` (a truncated or
    corrupt file)."""
    if decimal_volume is None:
        decimal_volume = uses_decimal_volume(day)
    payload = body if body is not None else day_file_bytes(rows, decimal_volume=decimal_volume)
    answer = server.client.put_object(
        Bucket=server.bucket,
        Key=day_key(day, kind, prefix),
        Body=payload,
        ContentType="application/x-gzip",
    )
    return str(answer["ETag"])


def delete_day_file(
    server: S3Server, day: date, kind: Kind = "minute_aggs_v1", prefix: str = "us_stocks_sip"
) -> None:
    """Take the day file away (as if never published)."""
    server.client.delete_object(Bucket=server.bucket, Key=day_key(day, kind, prefix))


def read_day_file(data: bytes) -> list[DayFileRow]:
    """Parse a day file back (the stub's self-tests; chronox has its own parser)."""
    lines = gzip.decompress(data).decode().splitlines()
    if lines[0] != HEADER:
        raise ValueError(f"unexpected header {lines[0]!r}")
    rows = []
    for line in lines[1:]:
        ticker, volume, open_, close, high, low, start, transactions = line.split(",")
        rows.append(
            DayFileRow(
                ticker=ticker,
                volume=float(volume),
                open=float(open_),
                close=float(close),
                high=float(high),
                low=float(low),
                window_start_ns=int(start),
                transactions=int(transactions),
            )
        )
    return rows
