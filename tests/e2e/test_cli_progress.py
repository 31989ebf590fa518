"""Progress of every long command without a terminal (issue 18): INFO lines, at most every
CHRONOX_PROGRESS_LOG_SECONDS, that carry the counts so far (bars written, rejected when
any, partitions written), and whose last numbers are those of the command's own report.

Each command runs as a user runs it, in a subprocess whose stderr is a pipe."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import REDIS_URL
from tests.e2e.test_cli_edges import run

#: A progress line every 50 ms: a run of a few seconds says something several times.
OFTEN = {"CHRONOX_LOG_LEVEL": "INFO", "CHRONOX_PROGRESS_LOG_SECONDS": "0.05"}
#: Half a year of 1m bars of one symbol: a few vendor requests of the synthetic source.
HALF_YEAR = ["--start", "2024-01-02", "--end", "2024-06-28"]

_COUNT = re.compile(r"(\d[\d,]*) (requests?|windows?|bars? written|rejected|written)\b")
_FRACTION = re.compile(r": (\d[\d,]*)/(\d[\d,]*) (\w+)")


def progress_lines(stderr: str, label: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"INFO: {label}: ")]


def counts(line: str) -> dict[str, int]:
    """The counts a progress line says, by their words (``12/60 requests`` is a
    fraction, not a count)."""
    after = _FRACTION.sub(":", line)
    plural = {"request": "requests", "window": "windows", "bar written": "bars written"}
    return {
        plural.get(words, words): int(number.replace(",", ""))
        for number, words in _COUNT.findall(after)
    }


def fraction(line: str) -> tuple[int, int, str]:
    found = _FRACTION.search(line)
    assert found, line
    return int(found[1].replace(",", "")), int(found[2].replace(",", "")), found[3]


def growing(lines: list[str], name: str) -> None:
    """At least two lines, and ``name``'s count never goes down and does go up."""
    values = [counts(line)[name] for line in lines]
    assert len(values) >= 2, lines
    assert values == sorted(values) and values[0] < values[-1], lines


def test_ingest_logs_the_bars_written_so_far_and_ends_on_its_report(tmp_path: Path) -> None:
    done = run(["ingest", "SPY", *HALF_YEAR, "--json"], tmp_path, env=OFTEN)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    lines = progress_lines(done.stderr, "ingest")
    growing(lines, "bars written")
    last = lines[-1]
    assert fraction(last) == (report["requests"], report["requests"], "requests"), last
    assert counts(last) == {
        "windows": report["windows_fetched"],
        "bars written": report["bars_written"],
    }, last  # no rejection: none said
    assert last.endswith(", 100%"), last
    assert any(re.search(r", about \d+(m\d\d)?s left$", line) for line in lines[:-1]), lines


def test_ingest_names_the_bars_rejected_when_there_are_some(tmp_path: Path) -> None:
    bad = tmp_path / "bars.csv"
    rows = ["symbol,timeframe,start,open,high,low,close,volume,vwap,trades"]
    for minute in range(30):
        low = 99 if minute % 3 else 101  # every third bar's low is above its open
        rows.append(f"SPY,1m,2024-11-25T14:{30 + minute:02d}:00Z,100,100.5,{low},100.2,1000,,")
    bad.write_text("\n".join(rows) + "\n")
    args = ["ingest", "SPY", "--path", str(bad), "--start", "2024-11-25", "--end", "2024-11-25"]
    done = run([*args, "--json"], tmp_path, env=OFTEN)
    report = json.loads(done.stdout)
    assert report["bars_rejected"] == 10, done.stderr
    last = progress_lines(done.stderr, "ingest")[-1]
    assert counts(last)["rejected"] == 10 and counts(last)["bars written"] == 20, last


def test_backfill_logs_each_part_and_a_last_line_of_its_totals(tmp_path: Path) -> None:
    for symbol in ("SPY", "QQQ"):
        assert run(["registry", "add", symbol], tmp_path).returncode == 0
    args = ["backfill", *HALF_YEAR, "--json"]
    done = run(args, tmp_path, env=OFTEN)
    assert done.returncode == 0, done.stderr
    total = json.loads(done.stdout)  # the totals, and a report per series
    lines = progress_lines(done.stderr, "backfill")
    growing(lines, "bars written")
    assert any("(part 2)" in line for line in lines), lines
    assert lines[-1] == (
        f"INFO: backfill: done, {total['requests']:,} requests, "
        f"{total['windows_fetched']:,} windows, {total['bars_written']:,} bars written"
    ), lines


def test_export_logs_the_partitions_written_so_far(tmp_path: Path) -> None:
    symbols = ["SPY", "QQQ", "IWM"]
    ingested = run(["ingest", *symbols, "--start", "2023-11-01", "--end", "2024-02-29"], tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    dataset = tmp_path / "dataset"
    done = run(["export", *symbols, "--path", str(dataset), "--json"], tmp_path, env=OFTEN)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    written = [part for part in report["partitions"] if part["written"]]
    lines = progress_lines(done.stderr, "export")
    growing(lines, "written")
    last = lines[-1]
    assert fraction(last) == (6, 6, "partitions") and len(written) == 6, last
    assert counts(last) == {
        "written": 6,
        "bars written": sum(part["rows"] for part in written),
    }, last
    again = run(["export", *symbols, "--path", str(dataset)], tmp_path, env=OFTEN)
    assert counts(progress_lines(again.stderr, "export")[-1]) == {"written": 0, "bars written": 0}


@pytest.fixture
def redis_prefix() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable: {exc}")
    return f"chronox-test-{uuid.uuid4().hex[:8]}:"


def test_a_worker_logs_each_jobs_progress_and_its_counts(tmp_path: Path, redis_prefix: str) -> None:
    env = {"CHRONOX_REDIS_URL": REDIS_URL, "CHRONOX_REDIS_PREFIX": redis_prefix}
    for symbol in ("SPY", "QQQ"):
        assert run(["registry", "add", symbol], tmp_path).returncode == 0
    queued = run(["backfill", "--enqueue", *HALF_YEAR], tmp_path, env=env)
    assert queued.returncode == 0, queued.stderr
    done = run(["worker", "--max-jobs", "2"], tmp_path, env={**env, **OFTEN})
    assert done.returncode == 0, done.stderr
    jobs = json.loads(run(["jobs", "list", "--json"], tmp_path, env=env).stdout)
    assert len(jobs) == 2 and {job["state"] for job in jobs} == {"succeeded"}, jobs
    numbers = set()
    for job in jobs:
        label = rf"INFO: worker: job (\d) \({job['symbols'][0]}\): "
        lines = [line for line in done.stderr.splitlines() if re.match(label, line)]
        numbers |= {line[len("INFO: worker: job ")] for line in lines}
        growing(lines[:-1], "bars written")
        assert re.match(label + "done, ", lines[-1]) and lines[-1].endswith(
            f": done, {job['counts']['requests']:,} requests, "
            f"{job['counts']['windows_fetched']:,} windows, "
            f"{job['counts']['bars_written']:,} bars written"
        ), lines
    assert numbers == {"1", "2"}, done.stderr


def test_each_backfill_pass_of_the_daemon_is_one_line_at_info(tmp_path: Path) -> None:
    assert run(["registry", "add", "SPY"], tmp_path).returncode == 0
    env = {**OFTEN, "CHRONOX_MODE": "backfill"}
    done = run(["stream", "--backfill-every", "1", "--duration", "4", "--json"], tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    ends = [
        line
        for line in progress_lines(done.stderr, "stream")
        if re.match(r"INFO: stream: backfill pass \d+: done, ", line)
    ]
    assert report["backfills"] >= 2 and len(ends) >= report["backfills"], done.stderr
    passes = ends[: report["backfills"]]  # a pass cut short by the stop is not counted
    assert [line.split(":")[2] for line in passes] == [
        f" backfill pass {n}" for n in range(1, len(passes) + 1)
    ]
    assert sum(counts(line)["bars written"] for line in passes) == report["backfilled_bars"]
    assert counts(passes[0])["bars written"] > 0


def test_on_a_terminal_the_bar_shows_the_bars_written_and_no_line_is_logged(
    tmp_path: Path,
) -> None:
    terminal, stderr = pty.openpty()
    env = {**os.environ, **OFTEN, "CHRONOX_STORE": f"sqlite:///{tmp_path / 'bar.sqlite3'}"}
    for name in ("POLYGON_API_KEY", "MASSIVE_API_KEY", "CHRONOX_SOURCE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "ingest", "SPY", *HALF_YEAR]
    child = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=stderr, text=True,
    )  # fmt: skip
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    out, _ = child.communicate(timeout=120)
    os.close(terminal)
    assert child.returncode == 0, shown
    written = int(re.search(r"bars written:\s+(\d+)", out)[1])  # type: ignore[index]
    text = shown.decode()
    assert "fetching" in text and f"{written:,} bars written" in text, text
    assert "INFO:" not in text, text
