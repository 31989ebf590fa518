"""The day-file parser (columns a block at a time, a quick split and a table per
column) reads every file as a plain row-by-row reading does: blank lines, CRLF line
ends, quoted fields, rows short or long of a field, unreadable numbers, decimal volumes,
empty and odd trade counts, a text cut anywhere, blocks of any size."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronox_adapters.flatfiles import parsing
from chronox_adapters.flatfiles.parsing import COLUMNS, ticker_rows
from chronox_domain.columns import UNKNOWN_TRADES
from chronox_domain.dayfiles import TickerRows
from chronox_domain.errors import MalformedData
from chronox_domain.session import exchange_timezone
from chronox_domain.timeframe import Timeframe

DAY = date(2024, 3, 5)
OPEN_NS = 1709629200 * 1_000_000_000  # 04:00 New York on DAY
HEADER = ",".join(COLUMNS)

Row = tuple[str, int, float, float, float, float, float, int]  # ticker, start_ns, o,h,l,c,v,n


def reference(text: str, timeframe: Timeframe, tickers: set[str] | None) -> list[Row]:
    """The rows of ``text``, a line at a time, as the format says."""
    lines = text.replace("\r", "").split("\n")
    names = [name.strip().lower() for name in lines[0].strip().lstrip("\ufeff").split(",")]
    at = {name: names.index(name) for name in COLUMNS}
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        fields = line.split(",") if '"' not in line else next(csv.reader([line]))
        fields = (fields + [""] * len(names))[: len(names)]
        ticker = fields[at["ticker"]]
        if tickers is not None and ticker not in tickers:
            continue
        o, h, lo, c, v = (_float(fields[at[n]]) for n in ("open", "high", "low", "close", "volume"))
        n = _count(fields[at["transactions"]])
        if n is None:
            o, n = math.nan, UNKNOWN_TRADES
        rows.append((ticker, _stamp(fields[at["window_start"]], timeframe), o, h, lo, c, v, n))
    return rows


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _count(text: str) -> int | None:
    if not text.strip():
        return UNKNOWN_TRADES
    try:
        value = int(text)
    except ValueError:
        try:
            value = int(float(text))
        except (ValueError, OverflowError):
            return None
    return value if 0 <= value < 2**63 else None


def _stamp(text: str, timeframe: Timeframe) -> int:
    try:
        ns = int(text)
    except ValueError:
        return 0
    if not -(2**63) <= ns < 2**63:
        return 0
    if timeframe is Timeframe.D1:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=-(-ns // 1000))
        if moment.astimezone(exchange_timezone()).date() == DAY:
            return int(Timeframe.D1.daily_stamp(DAY).timestamp()) * 1_000_000_000
    return ns


def flattened(runs: list[TickerRows]) -> list[Row]:
    return [
        (r.ticker, *values)  # type: ignore[misc]
        for r in runs
        for values in zip(
            r.start_ns, r.open, r.high, r.low, r.close, r.volume, r.trades, strict=True
        )
    ]


def by_ticker(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def same(one: list[Row], other: list[Row]) -> bool:
    """Equal rows, NaN equal to NaN."""
    return len(one) == len(other) and all(
        a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)
        for x, y in zip(one, other, strict=True)
        for a, b in zip(x, y, strict=True)
    )


def pieces(text: str, cuts: list[int]) -> Iterator[str]:
    at = 0
    for cut in sorted(cuts):
        yield text[at:cut]
        at = cut
    yield text[at:]


number = st.one_of(
    st.sampled_from(["187.15", "0.4212", "48", "17798.430378", "1e3", " 7.5 ", "-2.5"]),
    st.sampled_from(["", "abc", "nan", "inf", "1_000", "0x10"]),
)
count = st.sampled_from(["57", "0", "", "3.0", "-1", "x", "1e30", " 9 "])
stamp = st.one_of(
    st.integers(0, 16 * 60 - 1).map(lambda m: str(OPEN_NS + m * 60_000_000_000)),
    st.sampled_from(["", "1.7e18", "99999999999999999999", str(OPEN_NS + 500), "-5"]),
)


@st.composite
def day_file(draw: st.DrawFn) -> str:
    order = draw(st.sampled_from([list(COLUMNS), [*COLUMNS[::-1]], [*COLUMNS, "vwap"]]))
    lines = [",".join(order)]
    tickers = draw(st.lists(st.sampled_from(["AAPL", "BRK.A", "KIMpL", "KIMPL", "SPY", "A"]),
                            min_size=1, max_size=4, unique=True))  # fmt: skip
    for ticker in tickers:  # one run a ticker
        for _ in range(draw(st.integers(0, 12))):
            values = {
                "ticker": f'"{ticker}"' if draw(st.integers(0, 15)) == 0 else ticker,
                "volume": draw(number), "open": draw(number), "close": draw(number),
                "high": draw(number), "low": draw(number), "window_start": draw(stamp),
                "transactions": draw(count), "vwap": draw(number),
            }  # fmt: skip
            fields = [values[name] for name in order]
            shape = draw(st.integers(0, 20))
            if shape == 0:
                fields = fields[:-1]  # a row short of a field
            elif shape == 1:
                fields = [*fields, "extra"]  # a row with one too many
            lines.append(",".join(fields))
            if draw(st.integers(0, 20)) == 0:
                lines.append("")
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(lines) + draw(st.sampled_from(["", end]))


@settings(max_examples=300, deadline=None)
@given(
    text=day_file(),
    block=st.integers(1, 400),
    cuts=st.lists(st.integers(0, 4000), max_size=6),
    asked=st.sampled_from([None, {"SPY"}, {"KIMpL", "A", "BRK.A"}]),
    timeframe=st.sampled_from([Timeframe.M1, Timeframe.D1]),
)
def test_the_parser_reads_what_a_row_by_row_reading_reads(
    text: str, block: int, cuts: list[int], asked: set[str] | None, timeframe: Timeframe
) -> None:
    expected = reference(text, timeframe, asked)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsing, "BLOCK", block)
        runs = list(ticker_rows(pieces(text, [c for c in cuts if c < len(text)]), timeframe,
                                DAY, asked))  # fmt: skip
    # Each ticker's rows in their file order (rows of a ticker apart in the file may be
    # gathered into one run, within a block).
    assert by_ticker(flattened(runs)).keys() == by_ticker(expected).keys()
    for ticker, rows in by_ticker(expected).items():
        assert same(by_ticker(flattened(runs))[ticker], rows), ticker
    names = [r.ticker for r in runs]
    assert all(a != b for a, b in pairwise(names))  # one run a ticker, merged
    assert all(len(r) for r in runs)


def test_a_short_row_and_a_long_row_never_shift_the_columns() -> None:
    # As many fields in all as two rows make: the quick split must not be fooled.
    text = f"{HEADER}\nAAPL,100,1.0,1.0,1.0,1.0,{OPEN_NS}\nSPY,200,2.0,2.0,2.0,2.0,{OPEN_NS},9,8\n"
    (aapl, spy) = ticker_rows([text], Timeframe.M1, DAY, None)
    assert (aapl.ticker, aapl.trades.tolist(), aapl.start_ns.tolist()) == (
        "AAPL", [UNKNOWN_TRADES], [OPEN_NS],
    )  # fmt: skip
    assert (spy.ticker, spy.volume.tolist(), spy.trades.tolist()) == ("SPY", [200.0], [9])


def test_rows_of_a_ticker_apart_in_a_block_are_gathered_in_their_order() -> None:
    rows = [("SPY", 0), ("AAPL", 0), ("SPY", 1), ("AAPL", 1), ("SPY", 2)]
    text = (
        HEADER
        + "\n"
        + "".join(f"{t},1,1.0,1.0,1.0,1.0,{OPEN_NS + m * 60_000_000_000},{m}\n" for t, m in rows)
    )
    runs = list(ticker_rows([text], Timeframe.M1, DAY, None))
    assert [(r.ticker, r.trades.tolist()) for r in runs] == [("SPY", [0, 1, 2]), ("AAPL", [0, 1])]


def test_a_ticker_met_again_blocks_later_is_a_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "BLOCK", 40)
    line = "{},1,1.0,1.0,1.0,1.0,{},1\n"
    text = HEADER + "\n" + line.format("SPY", OPEN_NS) * 3 + line.format("QQQ", OPEN_NS) * 3
    text += line.format("SPY", OPEN_NS + 60_000_000_000)
    assert [r.ticker for r in ticker_rows([text], Timeframe.M1, DAY, None)] == [
        "SPY", "QQQ", "SPY",
    ]  # fmt: skip


def test_a_file_without_the_vendors_columns_or_without_a_header_is_refused() -> None:
    with pytest.raises(MalformedData, match="lacks window_start"):
        list(ticker_rows(["ticker,volume,open,close,high,low,transactions\n"], Timeframe.M1,
                         DAY, None))  # fmt: skip
    with pytest.raises(MalformedData, match="empty"):
        list(ticker_rows([""], Timeframe.M1, DAY, None))
    assert list(ticker_rows([HEADER], Timeframe.M1, DAY, None)) == []
