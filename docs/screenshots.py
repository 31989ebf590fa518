"""Regenerate the web dashboard's screenshots (docs/images/dashboard-*.png).

    python3 docs/screenshots.py [--out docs/images]

A store of synthetic 1m bars is seeded through the CLI in a temporary folder (twelve
symbols over three weeks of November 2024, with gaps of several shapes), served by
``chronox-cli serve`` on loopback, and each view is shot in Debian's headless Chromium
through Playwright (never a downloaded browser): the universe's heat map, a symbol with
its gap selected, the jobs (one backfill started from the page), the status, and the
token form of a guarded API. Needs /usr/bin/chromium and the built page
(npm --prefix web ci && npm --prefix web run build).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on the path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.harness import (
    GAP_DAY,
    GAP_START,
    Served,
    chronox_cli,
    clean_environment,
    launch,
    missing_prerequisite,
    serve,
    watched_page,
)

OUT = Path(__file__).resolve().parent / "images"
FIRST, LAST = "2024-10-28", "2024-11-15"
SYMBOLS: tuple[str, ...] = ("AAPL", "AMZN", "GOOGL", "IWM", "JPM", "META")
SYMBOLS += ("MSFT", "NVDA", "QQQ", "SPY", "TSLA", "XOM")
#: What each ingest covers: GAP_DAY only for some, and a few other shapes (a symbol
#: that missed the last week, one never fetched from the 6th to the 11th).
INGESTS = (
    (SYMBOLS, FIRST, "2024-11-05"),
    (("AMZN", "GOOGL", "IWM", "JPM", "META", "NVDA", "TSLA", "XOM"), GAP_DAY, GAP_DAY),
    (tuple(s for s in SYMBOLS if s not in ("NVDA", "TSLA")), "2024-11-07", LAST),
    (("NVDA",), "2024-11-07", "2024-11-08"),
    (("TSLA",), "2024-11-12", LAST),
)
VIEWPORT = {"width": 1280, "height": 800}


def seed(store: str, folder: Path) -> None:
    env = clean_environment()
    chronox_cli("registry", "add", *SYMBOLS, "--store", store, env=env, cwd=folder)
    for symbols, start, end in INGESTS:
        window = ("--start", start, "--end", end, "--source", "synthetic")
        chronox_cli("ingest", *symbols, *window, "--store", store, env=env, cwd=folder)


def settle(page: Page) -> None:
    """Let the canvases draw their next frames (the heat map and ribbon draw in rAF)."""
    page.wait_for_timeout(300)


def shoot(page: Page, name: str, out: Path) -> None:
    settle(page)
    page.screenshot(path=str(out / f"dashboard-{name}.png"))
    print(f"wrote {out / f'dashboard-{name}.png'}", flush=True)


def views(page: Page, served: Served, out: Path) -> None:
    page.goto(f"{served.page}#/universe?start={FIRST}&end={LAST}")
    expect(page.get_by_test_id("universe-incomplete")).to_be_visible()
    page.get_by_test_id("heatmap").focus()  # the focus outline and its tooltip
    for key in ("ArrowRight",) * 7 + ("ArrowDown",) * 2:  # AAPL's gap on GAP_DAY
        page.keyboard.press(key)
    shoot(page, "universe", out)

    # Three sessions of 5m candles (made from the 1m bars), the middle one a gap, selected.
    page.goto(f"{served.page}#/symbol/AAPL?start=2024-11-05&end=2024-11-07&tf=5m")
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-state", "ready")
    gap = page.locator(f'[data-testid="gap-row"][data-start="{GAP_START}"]')
    for _ in range(20):  # n: the next missing window (a click would scroll the page)
        if gap.get_attribute("aria-selected") == "true":
            break
        page.keyboard.press("n")
    page.mouse.move(1000, 300)  # the crosshair and its readout, on the last session's bars
    shoot(page, "symbol", out)

    # A backfill from the page, so the jobs view has a job of its own to show.
    page.get_by_test_id("backfill-selected").click()
    expect(page.get_by_test_id("symbol-job")).to_have_attribute("data-state", "succeeded")
    page.goto(f"{served.page}#/symbol/TSLA?day=2024-11-08&tf=1m")
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-state", "ready")
    page.locator('[data-testid="gap-row"][data-kind="gap"]').first.click()
    page.get_by_test_id("backfill-selected").click()
    page.goto(f"{served.page}#/jobs")
    expect(page.locator('[data-testid="job-row"][data-state="succeeded"]')).to_have_count(2)
    shoot(page, "jobs", out)

    page.goto(f"{served.page}#/status")
    expect(page.get_by_test_id("health-status")).to_have_text("ok")
    shoot(page, "status", out)


def token_prompt(page: Page, served: Served, out: Path) -> None:
    page.goto(f"{served.page}#/universe?start={FIRST}&end={LAST}")
    expect(page.get_by_test_id("token-dialog")).to_be_visible()
    shoot(page, "token", out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    args = parser.parse_args(argv)
    reason = missing_prerequisite()
    if reason is not None:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        folder = Path(work)
        store = f"sqlite:///{folder / 'demo.sqlite3'}"
        seed(store, folder)
        browser = launch(playwright)
        with serve(store, folder) as served, watched_page(browser, VIEWPORT) as watched:
            views(watched.page, served, args.out)
        guarded = serve(store, folder, token="a-token-nobody-types")
        with guarded as served, watched_page(browser, VIEWPORT) as watched:
            token_prompt(watched.page, served, args.out)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
