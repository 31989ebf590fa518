"""Input that used to be taken for something else is refused in one line (issue 13: 6-8).

An empty option is not the default, ``1M`` is not ``1m``, ``nan`` is not a duration, a
setting is checked whether the command uses it or not, a SQLite URL's query is not part
of the file name, a read-only store can still be read, and a Redis that cannot be
reached (or would lose the job queue on restart) says so at once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import REDIS_URL, Cli, Result
from tests.e2e.test_cli_errors import one_line_error

ROOT = Path(__file__).resolve().parents[2]
DAY = ("--start", "2024-11-25", "--end", "2024-11-25")
#: A port nothing listens on (tcpmux): connecting is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


# --- empty options, timeframes, durations ---------------------------------------------


@pytest.mark.parametrize("command", [["info"], ["gaps", "SPY"], ["registry", "list"]])
def test_an_empty_store_option_is_refused(sqlite_cli: Cli, command: list[str]) -> None:
    one_line_error(sqlite_cli(*command, "--store", "", store=False), 2, "--store", "is empty")


@pytest.mark.parametrize(
    "args",
    [
        ["gaps", "SPY", "--start", "", "--end", ""],
        ["gaps", "SPY", "--start", "2024-11-25", "--end", " "],
        ["bars", "SPY", "--start", ""],
        ["ingest", "SPY", "--end", ""],
    ],
)
def test_an_empty_range_bound_is_refused(sqlite_cli: Cli, args: list[str]) -> None:
    one_line_error(sqlite_cli(*args), 2, "is empty")


@pytest.mark.parametrize("text", ["1M", "1H", "1D", "15M"])
def test_timeframes_are_matched_exactly(sqlite_cli: Cli, text: str) -> None:
    for args in (["gaps", "SPY", "-t", text, *DAY], ["registry", "add", "SPY", "-t", text]):
        one_line_error(sqlite_cli(*args), 2, repr(text), "1m, 5m, 15m, 1h, 1d")
    assert sqlite_cli("registry", "list", "--json").json() == []


def test_a_file_row_with_timeframe_1M_is_not_a_minute_bar(sqlite_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "symbol,timeframe,start,open,high,low,close,volume,vwap,trades\n"
        "SPY,1M,2024-11-25T14:30:00Z,100,101,99,100.5,1000,,\n"
    )
    one_line_error(sqlite_cli("ingest", "SPY", "--path", str(path), *DAY), 2, "1M")


def test_the_api_takes_timeframes_exactly(sqlite_cli: Cli) -> None:
    with TestClient(create_app(Container(settings=Settings(store=sqlite_cli.store)))) as api:
        assert api.get("/bars/SPY", params={"timeframe": "1M"}).status_code == 422
        assert api.get("/gaps/SPY", params={"timeframe": "1M"}).status_code == 422
        assert api.get("/bars/SPY", params={"timeframe": "1m"}).status_code == 200


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "-1", "soon"])
def test_a_duration_must_be_a_finite_number_of_seconds(sqlite_cli: Cli, seconds: str) -> None:
    one_line_error(sqlite_cli("stream", "--duration", seconds), 2, "--duration", seconds)
    watched = sqlite_cli("watch", "SPY", "--duration", seconds, store=False)
    one_line_error(watched, 2, "--duration", seconds)


# --- settings: every one checked when read ----------------------------------------------

BAD_SETTINGS = [
    ("CHRONOX_MODE", "bogus", ["unified", "backfill"]),
    ("CHRONOX_MODE", "UNIFIED", ["unified"]),
    ("CHRONOX_PG_MODE", "fast", ["auto", "plain", "timescale"]),
    ("CHRONOX_SOURCE", "bogus", ["synthetic", "files", "polygon"]),
    ("CHRONOX_LOG_LEVEL", "LOUD", ["WARNING"]),
    ("CHRONOX_CALENDAR", "XN YS", ["XNYS"]),
    ("CHRONOX_REDIS_URL", "localhost:6379", ["redis://"]),
    ("CHRONOX_POLYGON_BASE_URL", "htp:/x", ["http"]),
    ("CHRONOX_POLYGON_BASE_URL", "http://", ["http"]),
    ("CHRONOX_POLYGON_BASE_URL", "not a url", ["http"]),
    ("CHRONOX_POLYGON_BASE_URL", "http://host:port", ["port"]),
    ("CHRONOX_POLYGON_WS_HOST", "wss://socket.massive.com", ["host"]),
    ("CHRONOX_POLYGON_TIMEOUT", "nan", ["finite"]),
    ("CHRONOX_SYNTHETIC_LIVE_SPEED", "inf", ["finite"]),
    ("CHRONOX_CALENDAR_START", "2040-01-01", ["CHRONOX_CALENDAR_END"]),
]


@pytest.mark.parametrize(("variable", "value", "words"), BAD_SETTINGS)
@pytest.mark.parametrize("command", [["registry", "list"], ["db", "status"], ["info"]])
def test_an_invalid_setting_is_refused_by_every_command(
    sqlite_cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    words: list[str],
    command: list[str],
) -> None:
    """Also by commands that never use it: a typo must not wait for the one that does."""
    monkeypatch.setenv(variable, value)
    one_line_error(sqlite_cli(*command), 2, variable, *words)


def test_an_invalid_store_setting_names_the_variable_not_the_password(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_STORE", "mysql://chronox:s3cret@db.example.com/bars")
    result = sqlite_cli("registry", "list", store=False)
    one_line_error(result, 2, "CHRONOX_STORE", "unsupported store")
    assert "s3cret" not in result.err


@pytest.mark.parametrize("base_url", ["htp:/x", "http://", "not a url"])
def test_a_malformed_vendor_url_is_one_line_not_an_internal_error(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    monkeypatch.setenv("POLYGON_API_KEY", "k")
    monkeypatch.setenv("CHRONOX_POLYGON_MAX_RETRIES", "0")
    monkeypatch.setenv("CHRONOX_POLYGON_BASE_URL", base_url)
    one_line_error(sqlite_cli("ingest", "SPY", *DAY), 2, "CHRONOX_POLYGON_BASE_URL")


# --- SQLite URLs and read-only stores ---------------------------------------------------


def test_sqlite_mode_ro_opens_the_file_read_only(sqlite_cli: Cli, tmp_path: Path) -> None:
    assert sqlite_cli("ingest", "SPY", *DAY).code == 0
    read_only = f"{sqlite_cli.store}?mode=ro"
    info = sqlite_cli("info", "--json", "--store", read_only, store=False)
    assert info.code == 0, info.err
    assert info.json()["counts"]["bars"] == 388
    bars = sqlite_cli("bars", "SPY", *DAY, "--format", "csv", "--store", read_only, store=False)
    assert bars.code == 0 and len(bars.out.splitlines()) == 389
    written = sqlite_cli("ingest", "QQQ", *DAY, "--store", read_only, store=False)
    one_line_error(written, 4, "read-only")
    assert [p.name for p in tmp_path.iterdir() if "?" in p.name] == []  # not a file name


def test_sqlite_mode_ro_of_a_missing_file_creates_nothing(sqlite_cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    result = sqlite_cli("info", "--store", f"sqlite:///{missing}?mode=ro", store=False)
    one_line_error(result, 4, "cannot open")
    assert not missing.exists()


@pytest.mark.parametrize("query", ["cache=shared", "mode=memory", "mode=ro&nolock=1"])
def test_other_sqlite_url_parameters_are_refused(
    sqlite_cli: Cli, tmp_path: Path, query: str
) -> None:
    result = sqlite_cli("info", "--store", f"{sqlite_cli.store}?{query}", store=False)
    one_line_error(result, 2, "SQLite URL parameter", "mode=ro")
    assert [p.name for p in tmp_path.iterdir() if "?" in p.name] == []


@pytest.fixture
def filled_store(sqlite_cli: Cli, tmp_path: Path) -> Path:
    """A store folder holding one cleanly closed store (no -wal/-shm left behind)."""
    assert sqlite_cli("registry", "add", "SPY").code == 0
    assert sqlite_cli("ingest", "SPY", *DAY).code == 0
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(tmp_path / "store.sqlite3", folder / "store.sqlite3")
    return folder


READS: list[tuple[list[str], str]] = [
    (["info"], "bars:"),
    (["gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-26"], "2024-11-26T14:30:00Z"),
    (["bars", "SPY", *DAY, "--format", "csv"], "2024-11-25T20:59:00Z"),
    (["registry", "list"], "SPY"),
]
WRITES = [["registry", "add", "QQQ"], ["ingest", "QQQ", *DAY]]


@pytest.fixture
def immutable(filled_store: Path) -> Iterator[Path]:
    """The folder and the file made immutable: even root cannot write either."""
    paths = [filled_store / "store.sqlite3", filled_store]
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make files immutable here: {done.stderr.strip()}")
    try:
        yield filled_store
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_reads_work_on_an_immutable_store_and_writes_are_one_line(
    sqlite_cli: Cli, immutable: Path
) -> None:
    store = f"sqlite:///{immutable / 'store.sqlite3'}"
    for args, shown in READS:
        result = sqlite_cli(*args, "--store", store, store=False)
        assert result.code == 0 and shown in result.out, (args, result.err)
    for args in WRITES:
        one_line_error(sqlite_cli(*args, "--store", store, store=False), 4, "read-only")


def _on_read_only_mount(folder: Path, *args: str) -> Result:
    """``chronox-cli ARGS`` in a private mount namespace where ``folder`` is mounted
    read-only (a real read-only file system: EROFS, whoever the user is)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script]
    command += [str(folder), sys.executable, "-m", "chronox_entrypoints.cli.main", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if "unshare:" in done.stderr or "mount:" in done.stderr:
        pytest.skip(f"cannot mount read-only here: {done.stderr.strip()}")
    return Result(done.returncode, done.stdout, done.stderr)


def test_reads_work_on_a_read_only_file_system_and_writes_are_one_line(
    filled_store: Path,
) -> None:
    store = f"sqlite:///{filled_store / 'store.sqlite3'}"
    for args, shown in READS:
        result = _on_read_only_mount(filled_store, *args, "--store", store)
        assert result.code == 0 and shown in result.out, (args, result.err)
    for args in WRITES:
        one_line_error(_on_read_only_mount(filled_store, *args, "--store", store), 4, "read-only")
    assert [p.name for p in filled_store.iterdir()] == ["store.sqlite3"]


# --- Redis: reachable, configured, durable -------------------------------------------------


@pytest.mark.timeout(30)
def test_a_worker_without_a_reachable_redis_is_one_line(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHRONOX_REDIS_URL", DEAD_REDIS)
    result = sqlite_cli("worker", "--max-jobs", "1")
    one_line_error(result, 3, "Redis at redis://127.0.0.1:1 is unreachable")
    watched = sqlite_cli("watch", "SPY", "--count", "1", store=False)
    one_line_error(watched, 3, "127.0.0.1:1")


def test_worker_and_watch_without_redis_say_so(sqlite_cli: Cli) -> None:
    one_line_error(sqlite_cli("worker"), 2, "CHRONOX_REDIS_URL")
    one_line_error(sqlite_cli("watch", "SPY", store=False), 2, "CHRONOX_REDIS_URL")


def durability_warnings(result: Result) -> list[str]:
    return [line for line in result.err.splitlines() if "not durable" in line]


def test_a_volatile_redis_is_warned_about_once_by_enqueue_and_worker(
    sqlite_cli: Cli, redis_env: str
) -> None:
    """The test Redis runs with ``--save "" --appendonly no``: a restart loses the queue."""
    import redis

    server = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    if server.config_get("appendonly").get("appendonly") == "yes":
        pytest.skip("this Redis keeps an append-only file: nothing to warn about")
    server.close()
    for symbol in ("SPY", "QQQ"):
        assert sqlite_cli("registry", "add", symbol).code == 0
    queued = sqlite_cli("backfill", "--enqueue", *DAY, "--json")
    assert queued.code == 0, queued.err
    assert len(queued.json()) == 2  # stdout stays JSON
    for result in (queued, sqlite_cli("worker", "--max-jobs", "2")):
        assert result.code == 0, result.err
        (warning,) = durability_warnings(result)
        assert warning.startswith("WARNING: Redis at redis://")
        assert "appendonly yes" in warning
    assert durability_warnings(sqlite_cli("jobs", "list")) == []


@pytest.mark.parametrize("command", [["ingest", "SPY"], ["backfill"]])
def test_an_empty_file_path_is_refused(sqlite_cli: Cli, command: list[str]) -> None:
    one_line_error(sqlite_cli(*command, "--path", ""), 2, "--path", "is empty")
