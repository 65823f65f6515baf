"""What the dashboards show, in a real headless Chromium over the demo warehouse: the previous
period beside each KPI and trend, a CSV download equal to its card, money with its currency, a
link to the view, products by their labels, and the figures that used to mislead (inventory
dates, the health page, reversed ranges, movers, pie colours)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from loupe.dashboards.web import create_dashboards_app
from loupe.demo import DEMO_START
from loupe.warehouse import Warehouse
from tests.helpers.dashboards import DEMO_DAYS, SCREENSHOTS, Page
from tests.helpers.servers import serve_asgi

LAST = DEMO_START + timedelta(days=DEMO_DAYS - 1)


def card_json(url: str, slug: str, card: str, **params: str) -> dict:
    return httpx.get(f"{url}/api/d/{slug}/cards/{card}", params=params, timeout=60).json()


def change(value: float, before: float) -> str:
    relative = 100 * (value - before) / abs(before)
    sign = "+" if relative > 0 else "-" if relative < 0 else "±"
    return f"{sign}{abs(relative):.1f}%"


def test_kpis_and_trends_show_the_previous_period(dashboards_url: str, tab: Page) -> None:
    day, before = LAST.isoformat(), (LAST - timedelta(days=1)).isoformat()
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/funnel?start={day}&end={day}")}
    tab.page.screenshot(path=str(SCREENSHOTS / "funnel-previous-day.png"), full_page=True)
    visits = cards["visits"]
    # The previous period is the day before, as the card itself counts it on that day.
    expected = card_json(dashboards_url, "funnel", "visits", start=before, end=before)["rows"][0][0]
    assert float(visits["previous"]) == expected > 0
    assert visits["change"] == change(float(visits["value"]), expected)
    assert f"{before} \u2013 {before}: {expected:,}" in visits["text"]
    # A rate changes in points.
    conversion = cards["conversion"]
    points = float(conversion["value"]) - float(conversion["previous"])
    assert conversion["change"].endswith(" pp")
    shown = float(conversion["change"][:-3].replace("±", ""))
    assert shown == pytest.approx(points, abs=0.06)
    # The trend: a faint line per metric for the day before, drawn on the chosen day.
    names = cards["daily_rates"]["names"]
    assert "Viewed % (previous period)" in names and "Viewed %" in names
    assert len(names) == 6
    assert tab.errors == []


def test_no_comparison_with_days_never_recorded(dashboards_url: str, tab: Page) -> None:
    # The default week starts before the first simulated day: the card says so, no fall to 0.
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/funnel")}
    assert cards["visits"]["previous"] is None and cards["visits"]["change"] is None
    assert f"no data (data from {DEMO_START.isoformat()})" in cards["visits"]["text"]
    assert not any(name.endswith("(previous period)") for name in cards["daily_rates"]["names"])


def test_csv_download_equals_the_card(dashboards_url: str, tab: Page, tmp_path: Path) -> None:
    query = f"start={DEMO_START.isoformat()}&end={LAST.isoformat()}&user_type=guest"
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/behaviour?{query}")}
    with tab.page.expect_download() as download:
        tab.page.click("#card-by_segment a.csv")
    path = tmp_path / "by_segment.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == (
        f"behaviour_by_segment_{DEMO_START.isoformat()}_{LAST.isoformat()}.csv"
    )
    with path.open(newline="") as f:
        header, *rows = list(csv.reader(f))
    data = card_json(
        dashboards_url,
        "behaviour",
        "by_segment",
        start=DEMO_START.isoformat(),
        end=LAST.isoformat(),
        user_type="guest",
    )
    assert header == data["columns"]
    assert rows == [["" if v is None else str(v) for v in row] for row in data["rows"]]
    assert len(rows) == cards["by_segment"]["rows"] > 0
    assert {row[header.index("user_type")] for row in rows} == {"guest"}  # the same filters
    assert tab.errors == []


def test_money_shows_its_currency(dashboards_url: str, tab: Page) -> None:
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/funnel")}
    assert cards["revenue"]["text"].startswith("₽")
    assert cards["average_order_value"]["text"].startswith("₽")
    assert "₽" not in cards["visits"]["text"] and "₽" not in cards["conversion"]["text"]
    tab.open(f"{dashboards_url}/d/behaviour")
    revenue = tab.page.locator("#card-by_segment tbody td:last-child").all_inner_texts()
    assert revenue and all(text.startswith("₽") for text in revenue)
    assert tab.errors == []


@pytest.fixture
def euro_url(demo_warehouse: Warehouse) -> Iterator[str]:
    with serve_asgi(create_dashboards_app(demo_warehouse, currency="EUR")) as url:
        yield url


def test_currency_setting_changes_the_sign(euro_url: str, tab: Page) -> None:
    cards = {c["id"]: c for c in tab.open(f"{euro_url}/d/funnel")}
    assert cards["revenue"]["text"].startswith("€")
    assert "₽" not in tab.page.locator(".grid").inner_text()


def test_link_to_the_view_keeps_its_filters(dashboards_url: str, tab: Page) -> None:
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/funnel?device_type=mobile")}
    href = tab.page.get_attribute("a.share", "href")
    assert href is not None
    first = (LAST - timedelta(days=6)).isoformat()
    assert f"start={first}" in href and f"end={LAST.isoformat()}" in href
    assert "device_type=mobile" in href
    shared = {c["id"]: c for c in tab.open(f"{dashboards_url}{href}")}
    assert shared["visits"]["value"] == cards["visits"]["value"]
    assert tab.page.input_value('select[name="device_type"]') == "mobile"


def test_inventory_cards_agree(dashboards_url: str, tab: Page) -> None:
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/inventory")}
    assert tab.page.locator('input[type="date"]').count() == 0  # live: no range to disagree with
    assert cards["cart_age"]["state"] == "ready"
    units = tab.page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('#card-cart_age .chart'))
            .getOption().series[0].data.reduce((a, b) => a + b, 0)"""
    )
    assert units == float(cards["units_in_carts"]["value"]) > 0


def test_health_page_reads_at_a_glance(dashboards_url: str, tab: Page) -> None:
    tab.open(f"{dashboards_url}/d/health")
    tab.page.screenshot(path=str(SCREENSHOTS / "health-laptop.png"), full_page=True)
    freshness = tab.page.locator("#card-freshness tbody tr").all_inner_texts()
    tables = [row.split("\t")[0] for row in freshness]
    assert sorted(tables) == [
        "dwh.catalog_sessions",
        "dwh.product_sessions",
        "dwh.sessions",
        "pd.api_calls",
    ]
    durations = tab.page.locator("#card-freshness tbody td:last-child").all_inner_texts()
    assert all(re.fullmatch(r"\d+ d \d+ h|\d+ h \d+ min|\d+ min|\d+ s", d) for d in durations), (
        durations
    )
    # The match rate is in sight at a laptop's width, not behind the table's scrollbar.
    visible = tab.page.evaluate(
        """() => {
            const card = document.querySelector('#card-reconciliation');
            const wrap = card.querySelector('.table-wrap').getBoundingClientRect();
            const th = [...card.querySelectorAll('th')].find(t => t.textContent === 'Match %');
            const cell = th.getBoundingClientRect();
            return cell.left >= wrap.left && cell.right <= wrap.right;
        }"""
    )
    assert visible
    assert tab.errors == []


def test_reversed_range_is_one_message(dashboards_url: str, tab: Page) -> None:
    later = (LAST + timedelta(days=1)).isoformat()
    response = tab.page.goto(f"{dashboards_url}/d/funnel?start={later}&end={LAST.isoformat()}")
    assert response is not None and response.status == 400
    assert tab.page.locator("[role=alert]").inner_text() == "Filters: From is after To"
    assert tab.page.locator(".card").count() == 0  # no card shows "No data" or 0
    card = card_json(dashboards_url, "funnel", "visits", start=later, end=LAST.isoformat())
    assert card == {"error": "From is after To"}


def test_movers_compare_with_the_days_before(dashboards_url: str, tab: Page) -> None:
    day = LAST.isoformat()
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/products?start={day}&end={day}")}
    assert cards["movers"]["state"] == "ready"
    headers = tab.page.locator("#card-movers th").all_inner_texts()
    at = headers.index("Previous views") + 1
    previous = tab.page.locator(f"#card-movers tbody td:nth-child({at})").all_inner_texts()
    assert any(text != "0" for text in previous), previous


def test_products_show_their_labels(
    dashboards_url: str, tab: Page, demo_warehouse: Warehouse
) -> None:
    """The table shows each product's label from dwh.items, its id beside it; the chart of the
    most carted items names its bars by label."""
    items = demo_warehouse.rows("SELECT id, label FROM dwh.items")
    labels = {row["id"]: row["label"] for row in items}
    day = LAST.isoformat()
    cards = {c["id"]: c for c in tab.open(f"{dashboards_url}/d/products?start={day}&end={day}")}
    assert cards["top_products"]["rows"] > 0
    tab.page.screenshot(path=str(SCREENSHOTS / "products-labels.png"), full_page=True)
    headers = tab.page.locator("#card-top_products th").all_inner_texts()
    assert headers[:3] == ["Product", "Product id", "Sku"]
    rows = tab.page.locator("#card-top_products tbody tr").all_inner_texts()
    shown = [row.split("\t")[:2] for row in rows]
    assert len(shown) == cards["top_products"]["rows"]
    assert all(product == labels[int(product_id)] for product, product_id in shown), shown
    tab.open(f"{dashboards_url}/d/inventory")
    bars = tab.page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('#card-most_carted .chart'))
            .getOption().xAxis[0].data"""
    )
    carted = card_json(dashboards_url, "inventory", "most_carted")
    assert bars == [row[0] for row in carted["rows"]]
    assert bars and set(bars) <= set(labels.values())
    assert tab.errors == []


def _pie_colours(page: Any, card: str) -> dict[str, str]:
    return page.evaluate(
        """(card) => {
            const chart = echarts.getInstanceByDom(document.querySelector(`#card-${card} .chart`));
            const data = chart.getModel().getSeriesByIndex(0).getData();
            const colours = {};
            for (let i = 0; i < data.count(); i++) {
                colours[data.getName(i)] = data.getItemVisual(i, 'style').fill;
            }
            return colours;
        }""",
        card,
    )


def test_pie_colours_stay_with_their_values(dashboards_url: str, tab: Page) -> None:
    tab.open(f"{dashboards_url}/d/search")
    everyone = _pie_colours(tab.page, "sorts")
    seen = {}
    for device in ("mobile", "desktop", "tablet"):
        tab.open(f"{dashboards_url}/d/search?device_type={device}")
        seen[device] = _pie_colours(tab.page, "sorts")
    assert len(everyone) >= 2 and len(set(everyone.values())) == len(everyone)
    for colours in seen.values():
        assert all(everyone[name] == colour for name, colour in colours.items()), colours
    assert tab.errors == []


def test_merchandising_compares_what_is_alike_and_shows_money(
    dashboards_url: str, tab: Page
) -> None:
    """A stock-out KPI shows the day before; the abandoned cart value does not (carts started
    lately cannot be abandoned yet); money shows its currency, guests' carts no user id."""
    day = LAST.isoformat()
    cards = {
        c["id"]: c for c in tab.open(f"{dashboards_url}/d/merchandising?start={day}&end={day}")
    }
    tab.page.screenshot(path=str(SCREENSHOTS / "merchandising-one-day.png"), full_page=True)
    before = (LAST - timedelta(days=1)).isoformat()
    lost = card_json(dashboards_url, "merchandising", "lost_revenue", start=before, end=before)
    assert cards["lost_revenue"]["text"].startswith("₽")
    assert float(cards["lost_revenue"]["previous"]) == lost["rows"][0][0]
    assert f"{before} \u2013 {before}" in cards["lost_revenue"]["text"]
    abandoned = card_json(dashboards_url, "merchandising", "abandoned_value", start=day, end=day)
    assert "previous" not in abandoned
    assert cards["abandoned_value"]["previous"] is None
    assert (
        cards["abandoned_value"]["text"].startswith("₽")
        and "\u2013" not in (cards["abandoned_value"]["text"])
    )
    first = DEMO_START.isoformat()
    tab.open(f"{dashboards_url}/d/merchandising?start={first}&end={day}")
    headers = tab.page.locator("#card-lost_by_item th").all_inner_texts()
    revenue = tab.page.locator(
        f"#card-lost_by_item tbody td:nth-child({headers.index('Revenue') + 1})"
    ).all_inner_texts()
    assert revenue and all(text.startswith("₽") for text in revenue)
    carts = card_json(dashboards_url, "merchandising", "abandoned_carts", start=first, end=day)
    users = tab.page.locator("#card-abandoned_carts tbody td:first-child").all_inner_texts()
    assert users == ["\u2013" if row[0] is None else str(row[0]) for row in carts["rows"]]
    assert "\u2013" in users and len(users) > users.count("\u2013")  # guests and customers
    assert tab.errors == []
