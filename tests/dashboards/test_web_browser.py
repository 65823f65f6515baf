"""The dashboards in a real headless Chromium: every dashboard loads without console errors,
every chart has data, filters change the figures, failures and empty results say so.
Screenshots (1366x768 laptop viewport, full page) go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from loupe.dashboards.definitions import load_dashboards
from tests.helpers.dashboards import LAPTOP, SCREENSHOTS, Page

BOARDS = load_dashboards()
CHARTS = ("funnel", "bar", "line", "area", "row", "pie")


@pytest.mark.parametrize("slug", [b.slug for b in BOARDS])
def test_dashboard_renders_every_card(dashboards_url: str, tab: Page, slug: str) -> None:
    board = next(b for b in BOARDS if b.slug == slug)
    cards = tab.open(f"{dashboards_url}/d/{slug}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"), full_page=True)
    assert tab.errors == []
    assert [c["id"] for c in cards] == [c.id for c in board.cards]
    for card in cards:
        assert card["state"] in ("ready", "empty"), card
        assert card["height"] >= 100, card
        if card["state"] == "empty":
            # Only tables may legitimately have no rows on the demo data (e.g. no rejects).
            assert card["display"] == "table" and card["text"] == "No data for these filters"
            continue
        assert card["rows"] > 0, card
        if card["display"] in CHARTS:
            assert card["canvas"], card
            assert card["points"] and all(n > 0 for n in card["points"]), card
        elif card["display"] == "scalar":
            assert card["value"] is not None and card["text"] not in ("", "\u2013"), card
        else:
            assert tab.page.locator(f"#card-{card['id']} tbody tr").count() == card["rows"]


def test_filters_change_the_figures(dashboards_url: str, tab: Page) -> None:
    before = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/funnel")}
    # Choosing a device submits the form: the filter lands in the URL and every card reruns.
    with tab.page.expect_navigation():
        tab.page.select_option('select[name="device_type"]', "mobile")
    assert "device_type=mobile" in tab.page.url
    tab.open(tab.page.url)
    after = {c["id"]: c for c in tab.cards()}
    assert 0 < float(after["visits"]["value"]) < float(before["visits"]["value"])
    assert after["by_device"]["rows"] == before["by_device"]["rows"]  # ignores the device filter
    # One day instead of the default week, through the date inputs and the Apply button.
    day = tab.page.input_value('input[name="end"]')
    tab.page.fill('input[name="start"]', day)
    with tab.page.expect_navigation():
        tab.page.click("button[type=submit]")
    assert f"start={day}" in tab.page.url and "device_type=mobile" in tab.page.url
    one_day = {c["id"]: c for c in tab.open(tab.page.url)}
    assert 0 < float(one_day["visits"]["value"]) < float(after["visits"]["value"])
    assert one_day["daily_rates"]["rows"] == 1
    tab.page.screenshot(path=str(SCREENSHOTS / "funnel-mobile-one-day.png"), full_page=True)
    assert tab.errors == []


def test_failing_and_empty_cards_say_so(dashboards_url: str, tab: Page) -> None:
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/testing")}
    tab.page.screenshot(path=str(SCREENSHOTS / "testing-errors.png"), full_page=True)
    assert cards["broken"]["state"] == "error"
    assert cards["broken"]["text"].startswith("Query failed:")
    assert "no_such_table" in cards["broken"]["text"]
    assert cards["nothing"]["state"] == "empty"
    assert cards["nothing"]["text"] == "No data for these filters"
    assert cards["matching"]["state"] == "ready" and float(cards["matching"]["value"]) > 0
    assert tab.errors == []  # a failing query is a message on its card, not a console error


def test_hostile_value_and_markup_stay_text(dashboards_url: str, tab: Page) -> None:
    hostile = "x' OR 1=1 --<img src=x onerror=alert(1)>"
    cards = {
        c["id"]: c for c in tab.open(f"{dashboards_url}/d/testing?{urlencode({'q': hostile})}")
    }
    assert cards["matching"]["value"] == "0"
    assert hostile in cards["echo"]["text"]
    assert tab.page.locator("img").count() == 0
    assert "Testing <b>&</b>" in tab.page.locator("h1").inner_text()
    assert tab.errors == []


def test_bad_date_shows_the_message(dashboards_url: str, tab: Page) -> None:
    response = tab.page.goto(f"{dashboards_url}/d/funnel?start=yesterday")
    assert response is not None and response.status == 400
    assert "not a date (YYYY-MM-DD)" in tab.page.locator("[role=alert]").inner_text()
    # The 400 of the page itself is the only console error.
    assert all("400" in e for e in tab.errors)


def test_no_request_leaves_the_app(dashboards_url: str, browser: Any) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = Page(context.new_page())
        requested: list[str] = []
        page.page.on("request", lambda r: requested.append(r.url))
        for board in BOARDS:
            page.open(f"{dashboards_url}/d/{board.slug}")
        assert page.errors == []
    finally:
        context.close()
    assert requested
    assert [url for url in requested if not url.startswith(f"{dashboards_url}/")] == []


def test_narrow_screen_stacks_the_cards(dashboards_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 900})
    try:
        page = Page(context.new_page())
        cards = page.open(f"{dashboards_url}/d/funnel")
        widths = page.page.eval_on_selector_all(
            ".card", "cards => cards.map(c => c.getBoundingClientRect().width)"
        )
        page.page.screenshot(path=str(SCREENSHOTS / "funnel-narrow.png"), full_page=True)
        assert page.errors == []
    finally:
        context.close()
    assert all(card["state"] == "ready" for card in cards)
    assert min(widths) > 700  # one column: every card spans the page
