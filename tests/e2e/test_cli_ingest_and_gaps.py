"""The foundation's headline: ingest around Thanksgiving 2024 and find the one gap."""

from __future__ import annotations

from tests.e2e.conftest import Cli


def ingest(cli: Cli, start: str, end: str, *extra: str) -> dict[str, object]:
    result = cli("ingest", "SPY", "--start", start, "--end", end, "--json", *extra)
    assert result.code == 0, result.err
    body: dict[str, object] = result.json()
    return body


def test_the_early_close_after_thanksgiving_is_the_only_gap(cli: Cli) -> None:
    first = ingest(cli, "2024-11-25", "2024-11-27")
    ingest(cli, "2024-12-02", "2024-12-03")
    assert first["source"] == "synthetic" and first["demo"] is True
    assert first["windows_fetched"] == 3 and first["bars_rejected"] == 0
    assert 3 * 390 * 0.98 < int(first["bars_written"]) <= 3 * 390  # a few minutes trade nothing

    gaps = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-12-03", "--json")
    assert gaps.code == 0, gaps.err
    assert gaps.json() == [
        {
            "symbol": "SPY",
            "timeframe": "1m",
            "start": "2024-11-29T14:30:00Z",
            "end": "2024-11-29T18:00:00Z",
            "bars": 210,
            "kind": "gap",
        }
    ]


def test_ingesting_the_same_range_again_fetches_nothing(cli: Cli) -> None:
    ingest(cli, "2024-11-25", "2024-12-03")
    again = ingest(cli, "2024-11-25", "2024-12-03")
    assert again["requests"] == 0 and again["windows_fetched"] == 0 and again["bars_written"] == 0
    assert cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-12-03", "--json").json() == []


def test_refetch_fetches_the_whole_range_and_changes_no_bar(cli: Cli) -> None:
    ingest(cli, "2024-11-25", "2024-11-26")
    before = cli(
        "bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-26", "--format", "csv"
    ).out
    again = ingest(cli, "2024-11-25", "2024-11-26", "--refetch")
    assert again["windows_fetched"] == 2
    after = cli(
        "bars", "SPY", "--start", "2024-11-25", "--end", "2024-11-26", "--format", "csv"
    ).out
    assert before == after


def test_holes_are_the_covered_minutes_without_trades(cli: Cli) -> None:
    written = ingest(cli, "2024-11-25", "2024-11-25")
    result = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-25", "--holes", "--json")
    holes = [item for item in result.json() if item["kind"] == "hole"]
    assert sum(hole["bars"] for hole in holes) == 390 - int(written["bars_written"])
    assert all(hole["start"].startswith("2024-11-25T") for hole in holes)


def test_text_output_says_the_data_is_synthetic(cli: Cli) -> None:
    result = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-25")
    assert result.code == 0
    assert "synthetic demo data, not real market prices" in result.out
    gaps = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-26")
    assert "2024-11-26T14:30:00Z" in gaps.out
    assert "demo data" in gaps.err


def test_eth_and_hourly_ingest(cli: Cli) -> None:
    eth = ingest(cli, "2024-11-29", "2024-11-29", "--session", "eth", "-t", "1h")
    # 04:00-17:00 New York on the early close = 09:00-22:00Z: 13 hourly slots.
    assert eth["windows_fetched"] == 1 and eth["bars_written"] == 13
    result = cli(
        "gaps",
        "SPY",
        "-t",
        "1h",
        "--session",
        "eth",
        "--start",
        "2024-11-29",
        "--end",
        "2024-11-29",
        "--json",
    )
    assert result.json() == []


def test_iso_instants_bound_the_range_exclusively(cli: Cli) -> None:
    result = cli(
        "gaps", "SPY", "--start", "2024-11-29T15:00:00Z", "--end", "2024-11-29T16:00:00Z", "--json"
    )
    assert [(g["start"], g["end"], g["bars"]) for g in result.json()] == [
        ("2024-11-29T15:00:00Z", "2024-11-29T16:00:00Z", 60)
    ]
    offset = cli(
        "gaps",
        "SPY",
        "--start",
        "2024-11-29T10:00:00-05:00",
        "--end",
        "2024-11-29T11:00:00-05:00",
        "--json",
    )
    assert offset.json()[0]["start"] == "2024-11-29T15:00:00Z"


def test_several_symbols_are_sorted_by_symbol_then_start(cli: Cli) -> None:
    result = cli("gaps", "QQQ", "AAPL", "--start", "2024-11-29", "--end", "2024-12-02", "--json")
    keys = [(g["symbol"], g["start"]) for g in result.json()]
    assert keys == sorted(keys) and {k[0] for k in keys} == {"AAPL", "QQQ"}
