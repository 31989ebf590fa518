"""``registry add`` of many symbols and ``registry import`` of a universe file, on every
store: one write, all or none, a summary of what changed."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import Cli


def test_add_many_then_again_and_a_bad_symbol_adds_nothing(cli: Cli) -> None:
    first = cli("registry", "add", "spy", "QQQ", "BRK.B", "-t", "1d", "--json")
    assert first.code == 0, first.err
    assert first.json()["added"] == ["SPY", "QQQ", "BRK.B"]
    again = cli("registry", "add", "SPY", "QQQ", "IWM", "-t", "1d", "--session", "eth", "--json")
    body = again.json()
    assert (body["added"], body["updated"], body["already_present"]) == (
        ["IWM"],
        ["SPY", "QQQ"],
        [],
    )
    assert cli("registry", "add", "SPY", "QQQ").out.strip() == (
        "registered 2 symbols: 0 added, 2 updated, 0 already present"
    )
    bad = cli("registry", "add", "DIA", "no way", "XLK")
    assert bad.code == 2 and "'no way'" in bad.err and len(bad.err.strip().splitlines()) == 1
    listed = [e["symbol"] for e in cli("registry", "list", "--json").json()]
    assert listed == ["BRK.B", "IWM", "QQQ", "SPY"]


def test_import_a_csv_and_refuse_a_bad_line_by_number(cli: Cli, tmp_path: Path) -> None:
    universe = tmp_path / "universe.csv"
    universe.write_text(
        "# desk universe\nsymbol,timeframes,session\nAAPL,1m|1d,eth\nMSFT,,\n\nKIMpL,1h 1d,rth\n"
    )
    done = cli("registry", "import", str(universe), "-t", "5m", "--json")
    assert done.code == 0, done.err
    assert [(e["symbol"], e["timeframes"], e["session"]) for e in done.json()["symbols"]] == [
        ("AAPL", ["1m", "1d"], "eth"),
        ("MSFT", ["5m"], "rth"),
        ("KIMpL", ["1h", "1d"], "rth"),
    ]
    broken = tmp_path / "broken.txt"
    broken.write_text("IBM\nORCL\n\n# fine so far\nnot-a ticker\n")
    refused = cli("registry", "import", str(broken))
    assert refused.code == 2
    assert f"{broken}:5: invalid symbol 'not-a ticker'" in refused.err
    assert "IBM" not in cli("registry", "list").out


def test_ten_thousand_symbols_import_and_list_quickly(cli: Cli, tmp_path: Path) -> None:
    universe = tmp_path / "universe.txt"
    universe.write_text("".join(f"T{i:05d}\n" for i in range(10_000)))
    started = time.perf_counter()
    done = cli("registry", "import", str(universe))
    imported = time.perf_counter() - started
    assert done.out.strip() == "registered 10000 symbols: 10000 added, 0 updated, 0 already present"
    started = time.perf_counter()
    listed = cli("registry", "list", "--json")
    assert len(listed.json()) == 10_000
    assert imported < 2 and time.perf_counter() - started < 2
