"""chronox as users install it: the sdist and wheel that ``python -m build`` makes from
this checkout, the wheel installed with pip in a fresh virtual environment, and that
environment's ``chronox-cli`` run from a directory outside the checkout, on PostgreSQL
and on SQLite.

Every other test runs on the editable install, which reads each file from the checkout
and so cannot see a file that the packaging leaves out: a wheel once shipped without the
PostgreSQL migrations, and the chronox it installed said "version 0 of 0".

The build runs on a copy of the checkout's files (tracked and not ignored), so it never
writes ``build/`` or ``*.egg-info`` into a work tree that others may be using, and it is
the release path: ``python -m build`` makes the sdist, then the wheel from the sdist.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from tests.conftest import fresh_database, unavailable

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.e2e,
    # Build (~10 s) and install (~25 s) are paid once, by the first test of the module.
    pytest.mark.timeout(600),
]

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGES = ("chronox_domain", "chronox_adapters", "chronox_entrypoints", "chronox_presentation")
#: What a build and an install may take here (measured: ~6 s and ~20 s on 2 cores when
#: idle, ~20 s and ~60 s when shared by a busy suite).
MIGRATIONS = "chronox_adapters/timescale/migrations"
BUILD_BUDGET_S = 300
INSTALL_BUDGET_S = 300


@dataclass(frozen=True)
class Dist:
    #: The checkout's files the build ran on (a copy: others may change the checkout).
    files: list[str]
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def checkout_files() -> list[str]:
    """The checkout's files as a fresh clone plus the work in progress has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (CHECKOUT / name).is_file()]


def package_files(names: list[str]) -> list[str]:
    """The files of the four packages, as a user's chronox must have them all."""
    return sorted(name for name in names if name.split("/", 1)[0] in PACKAGES)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would point a program at the
    checkout, a developer's store or a vendor key."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "POLYGON_API_KEY", "MASSIVE_API_KEY")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith("CHRONOX_")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return {**env, **extra}


def run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        )
    return done.stdout


def require_tool(module: str) -> None:
    """``build`` and ``twine`` come with the test extras; outside CI their absence skips."""
    if importlib.util.find_spec(module) is None:
        unavailable(f"the {module!r} package", f"pip install {module} (the test extras have it)")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dist]:
    require_tool("build")
    require_tool("twine")
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    files = checkout_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / name, source / name)
    out = work / "dist"
    started = time.monotonic()
    run([sys.executable, "-m", "build", "--outdir", out, source], work, clean_env())
    took = time.monotonic() - started
    assert took < BUILD_BUDGET_S, f"building took {took:.0f} s"
    (wheel,) = out.glob("chronox-*.whl")
    (sdist,) = out.glob("chronox-*.tar.gz")
    yield Dist(files, wheel, sdist)
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A virtual environment without the system's site packages (where the editable
    install of the checkout lives), and the wheel with the PostgreSQL extra in it."""
    where = tmp_path_factory.mktemp("venv") / "chronox"
    started = time.monotonic()
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(where)
    python = where / "bin" / "python"
    # --no-compile: byte-compiling pandas and numpy up front is half the install's CPU,
    # and what is imported gets compiled on first use all the same.
    pip_install = [python, "-m", "pip", "install", "--quiet", "--no-compile"]
    run([*pip_install, f"{dist.wheel}[postgres]"], where, clean_env())
    took = time.monotonic() - started
    assert took < INSTALL_BUDGET_S, f"the venv and the install took {took:.0f} s"
    return Installed(where)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the checkout: ``python -c`` and the CLI would import
    the source tree from the current directory otherwise."""
    assert not tmp_path.is_relative_to(CHECKOUT)
    return tmp_path


def migration_versions() -> set[str]:
    """The versions of the checkout's migrations (``0002_bars.plain.sql``: 0002)."""
    return {path.name[:4] for path in (CHECKOUT / MIGRATIONS).glob("[0-9]*.sql")}


def wheel_names(dist: Dist) -> list[str]:
    with zipfile.ZipFile(dist.wheel) as wheel:
        return wheel.namelist()


def test_the_wheel_carries_every_file_of_the_packages(dist: Dist) -> None:
    names = set(wheel_names(dist))
    missing = [name for name in package_files(dist.files) if name not in names]
    assert not missing, f"files of the packages that the wheel leaves out: {missing}"
    migrations = [n for n in names if n.startswith(f"{MIGRATIONS}/")]
    checkout = sorted(path.name for path in (CHECKOUT / MIGRATIONS).glob("*.sql"))
    assert sorted(PurePosixPath(n).name for n in migrations if n.endswith(".sql")) == checkout


def test_the_wheel_carries_the_license(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        licenses = [
            name
            for name in wheel.namelist()
            if PurePosixPath(name).parts[0].endswith(".dist-info") and name.endswith("/LICENSE")
        ]
        assert licenses, "the wheel has no LICENSE in its .dist-info"
        text = wheel.read(licenses[0]).decode()
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-File: LICENSE" in wheel.read(metadata).decode()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 chronox maintainers" in text


def test_the_sdist_carries_what_a_build_from_it_needs(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        inside = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    needed = ["README.md", "LICENSE", "pyproject.toml", *package_files(dist.files)]
    missing = [name for name in needed if name not in inside]
    assert not missing, f"files the sdist leaves out: {missing}"


def test_twine_accepts_both_distributions(dist: Dist, outside: Path) -> None:
    report = run(
        [sys.executable, "-m", "twine", "check", "--strict", dist.wheel, dist.sdist],
        outside,
        clean_env(),
    )
    assert report.count("PASSED") == 2, report


def test_the_installed_chronox_is_the_wheels(installed: Installed, outside: Path) -> None:
    """The venv imports chronox from its own site-packages, never from the checkout, and
    finds the migrations through importlib.resources as the migrator does."""
    where = run(
        [
            installed.bin / "python",
            "-c",
            "import chronox_adapters.timescale.migrate as m; print(m.__file__);"
            " print(len(m.load_migrations()))",
        ],
        outside,
        clean_env(),
    ).split()
    module, count = Path(where[0]), int(where[1])
    assert module.is_relative_to(installed.venv), module
    assert not module.resolve().is_relative_to(CHECKOUT), module
    assert count == len(migration_versions())


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store of each kind, for the installed CLI."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    with fresh_database(request.getfixturevalue("pg_url")) as url:
        yield url


def test_the_installed_cli_migrates_ingests_and_finds_the_gap(
    installed: Installed, store: str, outside: Path
) -> None:
    """The foundation's headline, on the installed chronox: migrate, ingest the days
    before Thanksgiving 2024, and the only gap to the Friday is its early close."""
    env = clean_env(CHRONOX_STORE=store, XDG_CACHE_HOME=str(outside / "cache"))

    def cli(*args: str) -> str:
        return run([installed.bin / "chronox-cli", *args], outside, env, timeout=120)

    cli("db", "migrate")
    status = cli("db", "status")
    if store.startswith("postgresql"):
        latest = len(migration_versions())
        assert f"schema:  version {latest} of {latest}" in status, status
    assert "pending: none" in status, status

    ingested = cli("ingest", "SPY", "--start", "2024-11-25", "--end", "2024-11-27")
    assert "synthetic demo data" in ingested, ingested

    gaps = cli("gaps", "SPY", "--start", "2024-11-25", "--end", "2024-11-29", "--json")
    assert json.loads(gaps) == [
        {
            "symbol": "SPY",
            "timeframe": "1m",
            "start": "2024-11-29T14:30:00Z",
            "end": "2024-11-29T18:00:00Z",
            "bars": 210,
            "kind": "gap",
        }
    ]
