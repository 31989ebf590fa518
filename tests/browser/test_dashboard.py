"""The web dashboard in headless Chromium against a real ``chronox-cli serve``: every view
opens, the heat map shows the registry and the known gap, a symbol's chart shows the gap
where it is, a backfill started from the page fills it live, a guarded API asks for its
token (and no address ever holds it), and on PostgreSQL as on SQLite.

The store (tests/browser/harness.py) holds SYMBOLS' 1m bars of every session from
FIRST_DAY to LAST_DAY but GAP_DAY. Every page a test opens must end with no console
error, no uncaught exception and no request leaving loopback (conftest's open_page)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import TOKEN
from tests.browser.harness import (
    AFTER_GAP,
    BEFORE_GAP,
    GAP_DAY,
    GAP_SLOTS,
    GAP_START,
    SYMBOLS,
    UNIVERSE,
    Served,
    Watched,
)

pytestmark = [pytest.mark.e2e]

OpenPage = Callable[..., Watched]
#: How the gaps list and the ribbon write the gap's window (exchange time).
GAP_FROM, GAP_TO = f"{GAP_DAY} 09:30", f"{GAP_DAY} 16:00"
SUMMARY = re.compile(r"(\d+) of (\d+) symbols \u00d7 (\d+) sessions \((\S+) to (\S+)\)")
#: The palette's gap colour (web/src/palette.ts), as the ribbon paints it.
GAP_RGB = (0xD5, 0x5E, 0x00)


expect.set_options(timeout=20_000)


# --- what the tests read off the page ----------------------------------------------------


def read_heat_map(page: Page) -> tuple[list[str], dict[tuple[str, str], str]]:
    """The heat map's rows (symbols, top down) and each cell's state, read the way a
    keyboard user reads them: arrow keys move the focus, the grid announces the cell."""
    summary = SUMMARY.search(page.get_by_test_id("universe-summary").inner_text())
    assert summary, page.get_by_test_id("universe-summary").inner_text()
    rows, sessions = int(summary.group(1)), int(summary.group(3))
    page.get_by_test_id("heatmap").focus()
    announced = page.get_by_test_id("heatmap-focus")
    page.keyboard.press("Control+Home")
    symbols: list[str] = []
    cells: dict[tuple[str, str], str] = {}
    for _ in range(rows):
        page.keyboard.press("Home")
        for _ in range(sessions):
            symbol, day, state = announced.inner_text().split(" · ")[:3]
            cells[symbol, day] = state
            page.keyboard.press("ArrowRight")
        symbols.append(symbol)
        page.keyboard.press("ArrowDown")
    return symbols, cells


def gap_row(page: Page, start: str = GAP_START, kind: str = "gap") -> Locator:
    return page.locator(f'[data-testid="gap-row"][data-kind="{kind}"][data-start="{start}"]')


def open_symbol(page: Page, served: Served, symbol: str) -> None:
    """The symbol's 1m chart around GAP_DAY, loaded."""
    page.goto(f"{served.page}#/symbol/{symbol}?day={GAP_DAY}&tf=1m")
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-state", "ready")


def ribbon_at(page: Page, x: float) -> str:
    """What the ribbon says of the slot ``x`` CSS pixels from its left (hovered)."""
    box = page.get_by_test_id("ribbon").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    return page.get_by_test_id("ribbon-readout").inner_text().strip()


def ribbon_middle(page: Page) -> str:
    width = page.get_by_test_id("ribbon").bounding_box()
    assert width is not None
    return ribbon_at(page, width["width"] / 2)


def ribbon_edges(page: Page) -> tuple[str, str]:
    """What the ribbon says at the left and right ends of the chart's plot (its right
    end is where the price scale's column begins: nothing is said past it)."""
    box = page.get_by_test_id("ribbon").bounding_box()
    assert box is not None
    right = ""
    x = box["width"] - 1
    while not right and x > box["width"] / 2:
        right = ribbon_at(page, x)
        x -= 8
    return ribbon_at(page, 8), right


def ribbon_colour(page: Page, fraction: float) -> tuple[int, int, int]:
    """The ribbon's pixel at ``fraction`` of its width, mid-height."""
    rgb = page.get_by_test_id("ribbon").evaluate(
        """(canvas, fraction) => {
            const x = Math.floor(canvas.width * fraction);
            const y = Math.floor(canvas.height / 2);
            return Array.from(canvas.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3));
        }""",
        fraction,
    )
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


# --- the tests -----------------------------------------------------------------------------


def test_every_view_opens_from_its_link_and_from_its_key(
    served: Served, open_page: OpenPage
) -> None:
    page = open_page().page
    page.goto(served.page + UNIVERSE)
    expect(page.get_by_test_id("view-universe")).to_be_visible()
    for name in ("jobs", "status", "symbol", "universe"):
        page.get_by_test_id(f"nav-{name}").click()
        expect(page.get_by_test_id(f"view-{name}")).to_be_visible()
        expect(page.get_by_test_id(f"nav-{name}")).to_have_attribute("aria-current", "page")
    # The keys (u s j t); the symbol view last: with no symbol it focuses its input.
    page.locator("body").click(position={"x": 5, "y": 790})
    for key, name in (("j", "jobs"), ("t", "status"), ("u", "universe"), ("s", "symbol")):
        page.keyboard.press(key)
        expect(page.get_by_test_id(f"view-{name}")).to_be_visible()
    expect(page.get_by_test_id("symbol-input")).to_be_focused()


def check_the_heat_map(page: Page, served: Served) -> None:
    """The universe view over the seeded sessions: every registry symbol, the gap day a
    gap for each and no other day; Enter on a gap cell opens that symbol at that day."""
    page.goto(served.page + UNIVERSE)
    expect(page.get_by_test_id("universe-summary")).to_contain_text(
        f"{len(SYMBOLS)} of {len(SYMBOLS)} symbols"
    )
    expect(page.get_by_test_id("universe-incomplete")).to_have_text(f"{len(SYMBOLS)} incomplete")
    symbols, cells = read_heat_map(page)
    assert symbols == list(SYMBOLS)
    gaps = sorted(cell for cell, state in cells.items() if state == "gap")
    assert gaps == [(symbol, GAP_DAY) for symbol in SYMBOLS], cells
    assert {cells[symbol, day] for symbol, day in cells if day != GAP_DAY} <= {"final", "hole"}
    # The legend counts the cells by state: one gap per symbol.
    expect(page.get_by_test_id("legend-gap")).to_contain_text(str(len(SYMBOLS)))
    # Back to the first row (AAPL), on to the gap's column, and open it.
    page.keyboard.press("Control+Home")
    page.keyboard.press("Home")
    while not page.get_by_test_id("heatmap-focus").inner_text().startswith(f"AAPL · {GAP_DAY}"):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-state", "ready")
    assert re.search(rf"#/symbol/AAPL\?day={GAP_DAY}\b", page.url), page.url
    expect(gap_row(page)).to_be_visible()


def test_the_heat_map_shows_the_registry_and_the_gap(served: Served, open_page: OpenPage) -> None:
    check_the_heat_map(open_page().page, served)


@pytest.mark.integration
def test_on_postgresql_the_heat_map_shows_the_registry_and_the_gap(
    served_postgres: Served, open_page: OpenPage
) -> None:
    check_the_heat_map(open_page().page, served_postgres)


def test_the_chart_shows_the_known_gap_where_it_is(served: Served, open_page: OpenPage) -> None:
    page = open_page().page
    open_symbol(page, served, "AAPL")
    # Five sessions around the gap day: the gap is the only window nobody fetched.
    expect(page.get_by_test_id("symbol-info")).to_contain_text(
        "5 sessions 2024-11-01 to 2024-11-07"
    )
    gaps = page.locator('[data-testid="gap-row"][data-kind="gap"]')
    expect(gaps).to_have_count(1)
    expect(gap_row(page)).to_contain_text(GAP_FROM)
    expect(gap_row(page)).to_contain_text(GAP_TO)
    expect(gap_row(page)).to_contain_text(str(GAP_SLOTS))
    empty = int(page.get_by_test_id("symbol-empty").inner_text().split()[0].replace(",", ""))
    assert empty >= GAP_SLOTS  # the gap's slots hold no bar (the synthetic holes neither)
    # The chart shows the day asked for, a little of its neighbours either side: the
    # ribbon is the gap in the middle, in the gap's colour, between covered sessions.
    gap_row(page).click()
    button = page.get_by_test_id("backfill-selected")
    expect(button).to_have_text(re.compile(rf"^Backfill gap .*{GAP_FROM}.*\b{GAP_SLOTS} slots"))
    expect(button).to_be_enabled()
    page.wait_for_timeout(100)  # the chart's and the ribbon's next frame
    middle = ribbon_middle(page)
    assert re.match(rf"gap: {GAP_FROM} to {GAP_TO}\b.*\b{GAP_SLOTS} slots", middle), middle
    assert ribbon_colour(page, 0.5) == GAP_RGB
    before, after = ribbon_edges(page)
    assert re.match(rf"(final|hole): {BEFORE_GAP} ", before), before
    assert re.match(rf"(final|hole): {AFTER_GAP} ", after), after


def test_a_backfill_started_from_the_page_fills_the_gap_live(
    served_to_write: Served, open_page: OpenPage
) -> None:
    served = served_to_write
    page = open_page().page
    open_symbol(page, served, "MSFT")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    gap_row(page).click()
    page.get_by_test_id("backfill-selected").click()
    job_box = page.get_by_test_id("symbol-job")
    expect(job_box).to_have_attribute("data-state", "succeeded", timeout=60_000)
    job_id = job_box.locator("a").get_attribute("title")
    assert job_id
    job = httpx.get(f"{served.base}/jobs/{job_id}", timeout=10).json()
    written = job["counts"]["bars_written"]
    assert 0.9 * GAP_SLOTS <= written <= GAP_SLOTS, job
    # Live: every bar the job wrote reached the chart over /ws/bars, into an empty slot.
    live = page.get_by_test_id("live-state")
    expect(live).to_have_attribute("data-filled", str(written))
    expect(live).to_have_attribute("data-bars", str(written))
    # Then the window is read again: the gap is gone from the list and the ribbon.
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-loads", "2")
    expect(page.locator('[data-testid="gap-row"][data-kind="gap"]')).to_have_count(0)
    assert re.match(rf"(final|hole): {GAP_DAY} ", ribbon_middle(page))
    assert ribbon_colour(page, 0.5) != GAP_RGB
    # The Jobs view lists it: a succeeded backfill of MSFT, with what it wrote.
    job_box.locator("a").click()
    row = page.locator(f'[data-testid="job-row"][data-id="{job_id}"]')
    expect(row).to_have_attribute("data-state", "succeeded")
    for text in ("backfill", "MSFT", f"bars written {written}"):
        expect(row).to_contain_text(text)
    expect(page.get_by_test_id("jobs-summary")).to_contain_text("succeeded")


def test_a_guarded_api_asks_for_the_token_and_no_address_holds_it(
    guarded: Served, open_page: OpenPage
) -> None:
    watched = open_page()
    watched.expected_statuses.add(401)  # the refusals the form answers
    page = watched.page
    page.goto(guarded.page + UNIVERSE)
    dialog = page.get_by_test_id("token-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("token-reason")).to_contain_text("This API wants a token")
    page.get_by_test_id("token-input").fill("not-the-token")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-reason")).to_contain_text("The API refused the token")
    page.get_by_test_id("token-input").fill(TOKEN)
    page.get_by_test_id("token-submit").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("universe-summary")).to_contain_text(
        f"{len(SYMBOLS)} of {len(SYMBOLS)} symbols"
    )
    assert page.evaluate("sessionStorage.getItem('chronox.token')") == TOKEN
    # A reload keeps it (this tab's session storage): no form, the data at once.
    page.reload()
    expect(page.get_by_test_id("universe-summary")).to_contain_text(f"of {len(SYMBOLS)} symbols")
    expect(dialog).to_have_count(0)
    # /ws/bars takes it as a subprotocol: the symbol view goes live.
    page.evaluate(f"location.hash = '#/symbol/AAPL?day={GAP_DAY}'")
    expect(page.get_by_test_id("view-symbol")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    addresses = [*watched.urls, page.url]
    assert any("/ws/bars" in address for address in addresses)
    assert not [address for address in addresses if TOKEN in address or "not-the-token" in address]


def test_the_status_view_shows_health_and_demo_data(served: Served, open_page: OpenPage) -> None:
    page = open_page().page
    page.goto(f"{served.page}#/status")
    expect(page.get_by_test_id("health-status")).to_have_text("ok")
    expect(page.get_by_test_id("health-events")).to_have_text("in-process")
    expect(page.get_by_test_id("status-info")).to_contain_text("synthetic (demo data)")
    expect(page.get_by_test_id("metric-rejected")).to_have_text("0")
    expect(page.get_by_test_id("demo-banner")).to_contain_text("Demo data")
    expect(page.get_by_test_id("status-token")).to_contain_text("No token kept")
