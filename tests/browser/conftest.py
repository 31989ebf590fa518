"""The browser tests' fixtures: one headless Chromium for the session, real
``chronox-cli serve`` processes over stores the CLI seeded (open, guarded by a token, on
PostgreSQL), and a fresh page per test that must end with no console error, no uncaught
exception and no request leaving loopback.

Without Debian's chromium, the built dashboard or Playwright, the tests are skipped and
say why, except in CI (``CI`` set), where that fails them: CI installs all three."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.harness import (
    Served,
    Watched,
    clean_environment,
    launch,
    missing_prerequisite,
    seed,
    serve,
    server_failures,
    watched_page,
)
from tests.conftest import fresh_database

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TOKEN = "tok-BROWSER-SECRET-5c1d9e"


def prerequisites() -> None:
    reason = missing_prerequisite()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests are required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    prerequisites()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store seeded through the CLI (SYMBOLS, a gap on GAP_DAY)."""
    prerequisites()
    folder = tmp_path_factory.mktemp("browser-store")
    path = folder / "store.sqlite3"
    seed(f"sqlite:///{path}", clean_environment(), folder)
    return path


def copy_of(path: Path, folder: Path) -> str:
    """A consistent copy of a SQLite store (its WAL included): another server's own."""
    target = folder / path.name
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def serving(store: str, folder: Path, token: str | None = None, **extra: str) -> Iterator[Served]:
    with serve(store, folder, token, **extra) as served:
        yield served
    # A request of the page that broke the server fails the run, not only its page.
    log = server_failures(served)
    assert log is None, f"the server logged a traceback:\n{log}"


@pytest.fixture(scope="package")
def served(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The API with no token over a copy of the seeded store, for the tests that only
    read it."""
    folder = tmp_path_factory.mktemp("served")
    yield from serving(copy_of(seeded_sqlite, folder), folder)


@pytest.fixture
def served_to_write(seeded_sqlite: Path, tmp_path: Path) -> Iterator[Served]:
    """The API with no token over a copy of its own (a backfill fills a gap the other
    tests must still see, whatever order they run in)."""
    yield from serving(copy_of(seeded_sqlite, tmp_path), tmp_path)


@pytest.fixture(scope="package")
def guarded(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The API guarded by TOKEN (CHRONOX_API_TOKEN), over a copy of the seeded store."""
    folder = tmp_path_factory.mktemp("guarded")
    yield from serving(copy_of(seeded_sqlite, folder), folder, TOKEN)


@pytest.fixture(scope="package")
def served_postgres(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The API over a PostgreSQL database of its own (plain mode), seeded through the CLI."""
    prerequisites()
    folder = tmp_path_factory.mktemp("served-postgres")
    with fresh_database(pg_url) as url:
        seed(url, clean_environment(CHRONOX_PG_MODE="plain"), folder)
        yield from serving(url, folder, CHRONOX_PG_MODE="plain")


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Watched]]:
    """Opens fresh pages (each its own session storage); when the test ends, every page it
    opened must show no console error, no uncaught exception, no request off loopback."""
    opened: list[Watched] = []
    with ExitStack() as pages:

        def open_one(viewport: dict[str, int] | None = None) -> Watched:
            watched = pages.enter_context(watched_page(browser, viewport))
            opened.append(watched)
            return watched

        yield open_one
    problems = [problem for watched in opened for problem in watched.problems()]
    assert not problems, "\n".join(problems)
