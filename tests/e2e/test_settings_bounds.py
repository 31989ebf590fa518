"""Every numeric setting has bounds both ways: a value past them (``10**30`` minutes to
settle) is one line naming the variable, exit 2, from the first command run, not an
OverflowError deep inside a command later. Parametrized over ``Settings.model_fields``,
so a numeric setting added without a bound fails here."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest

from chronox_domain import InvalidInput
from chronox_entrypoints.notebook import connect
from chronox_entrypoints.settings import Settings
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_errors import one_line_error


def _numeric(annotation: Any) -> bool:
    """int or float, alone or optional (a bool is an int to Python, not a number here)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_numeric(arg) for arg in get_args(annotation) if arg is not type(None))
    return annotation in (int, float)


NUMERIC = sorted(
    name for name, field in Settings.model_fields.items() if _numeric(field.annotation)
)
HUGE = ("1" + "0" * 30, "-1" + "0" * 30, "1e300")


@pytest.fixture
def clean_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    for name in list(os.environ):
        if name.startswith("CHRONOX_"):
            monkeypatch.delenv(name)
    return Cli(capsys, f"sqlite:///{tmp_path / 'store.sqlite3'}")


def test_the_numeric_settings_are_found() -> None:
    assert {"settle_minutes", "polygon_rate", "synthetic_live_speed"} <= set(NUMERIC)
    assert "auto_migrate" not in NUMERIC


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", NUMERIC)
def test_a_setting_past_its_bounds_is_one_line_naming_it(
    clean_cli: Cli, monkeypatch: pytest.MonkeyPatch, field: str, value: str
) -> None:
    variable = f"CHRONOX_{field.upper()}"
    monkeypatch.setenv(variable, value)
    one_line_error(clean_cli("info"), 2, f"invalid {variable}:")


def test_the_defaults_are_within_the_bounds(clean_cli: Cli) -> None:
    assert clean_cli("info").code == 0


def test_the_real_command_refuses_a_settle_time_past_its_bound(tmp_path: Path) -> None:
    """The case that overflowed: ``ingest`` turned 10**30 minutes into a timedelta."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOX_")}
    env.update(CHRONOX_SETTLE_MINUTES="1" + "0" * 30, CHRONOX_SOURCE="synthetic")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "chronox_entrypoints.cli.main", "ingest", "SPY", "--store", store,
         "--start", "2024-11-25", "--end", "2024-11-25"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: invalid CHRONOX_SETTLE_MINUTES:"), done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr


def test_an_option_past_its_setting_bound_is_named(clean_cli: Cli) -> None:
    """``--backfill-every`` overrides a setting: its bound is the setting's."""
    huge = "1" + "0" * 30
    one_line_error(clean_cli("stream", "--backfill-every", huge), 2, "invalid --backfill-every:")


def test_a_notebook_setting_past_its_bound_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"^invalid connect\(settle_minutes=...\): ") as caught:
        connect("memory://", settle_minutes=10**30)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("field", NUMERIC)
def test_each_bound_of_a_setting_is_a_value_it_accepts(field: str) -> None:
    """The bounds are sensible, not arbitrary: the largest value allowed is accepted."""
    limits = {type(m).__name__: m for m in Settings.model_fields[field].metadata}
    assert "Le" in limits, f"{field} has no upper bound (le=)"
    largest = limits["Le"].le
    assert getattr(Settings(**{field: largest}), field) == largest


# --- the CLI's numeric options with no setting behind them ----------------------------
# They only count or wait (a comparison, an asyncio timer), so a huge value is no
# overflow: it means "all there is" or "until stopped". Checked here, so a change that
# feeds one to a timedelta or a C int is caught.


def test_a_huge_replay_count_and_duration_mean_all_there_is(clean_cli: Cli, redis_env: str) -> None:
    day = ("--start", "2024-11-25", "--end", "2024-11-25")
    assert clean_cli("ingest", "SPY", "--source", "synthetic", *day).code == 0
    huge = "1" + "0" * 30
    watched = clean_cli(
        "watch", "SPY", "--replay", huge, "--count", huge, "--duration", "2", "--json", store=False
    )
    assert watched.code == 0, watched.err
    stored = clean_cli("bars", "SPY", *day, "--format", "csv").out.splitlines()[1:]
    assert len(watched.out.splitlines()) == len(stored) > 300  # every bar stored, replayed
    once = clean_cli("watch", "SPY", "--replay", "1", "--count", "1", "--duration", "1e300",
                     store=False)  # fmt: skip
    assert once.code == 0 and len(once.out.splitlines()) == 1, once.err


def test_a_stream_of_a_huge_duration_runs_until_stopped(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOX_")}
    env.update(CHRONOX_SOURCE="synthetic", CHRONOX_MODE="backfill")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "stream", "--store", store]
    with subprocess.Popen(
        [*command, "--duration", "1e300"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as running:  # fmt: skip
        try:
            assert running.stderr is not None
            started = [running.stderr.readline() for _ in range(3)]
            assert any("ready" in line for line in started), started  # the timer was set
        finally:
            running.terminate()
            out, err = running.communicate(timeout=60)
    assert running.returncode == 0, err
    assert out.startswith("stopped: "), out
