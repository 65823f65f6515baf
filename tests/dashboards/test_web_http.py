"""The dashboards web app over HTTP (real uvicorn, real demo warehouse): pages, card data,
404s, refused filters, failing and empty queries, hostile values, escaping, a mounted prefix."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from loupe.dashboards.definitions import load_dashboards
from loupe.dashboards.web import create_dashboards_app
from loupe.warehouse import Warehouse
from tests.helpers.servers import serve_asgi

BOARDS = load_dashboards()


def get(url: str, **params: str) -> httpx.Response:
    return httpx.get(url, params=params, timeout=60)


def test_index_links_every_dashboard(dashboards_url: str) -> None:
    response = get(f"{dashboards_url}/")
    assert response.status_code == 200
    for board in BOARDS:
        assert f'href="/d/{board.slug}"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("slug", [b.slug for b in BOARDS])
def test_page_places_every_card_and_its_filters(dashboards_url: str, slug: str) -> None:
    board = next(b for b in BOARDS if b.slug == slug)
    response = get(f"{dashboards_url}/d/{slug}")
    assert response.status_code == 200, response.text
    for card in board.cards:
        assert f'data-card="{card.id}"' in response.text
        assert f"--col: {card.col + 1}; --w: {card.width}" in response.text
    for parameter in board.parameters:
        assert f'name="{parameter.name}"' in response.text
    # Assets are local: every script and stylesheet is served by the app itself.
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text)
    assert "/static/vendor/echarts.min.js" in assets and "/static/dashboards.js" in assets
    for asset in assets:
        assert get(f"{dashboards_url}{asset}").status_code == 200, asset
    assert "http://" not in response.text and "https://" not in response.text


@pytest.mark.parametrize("slug", [b.slug for b in BOARDS])
def test_every_card_answers_rows(dashboards_url: str, slug: str) -> None:
    board = next(b for b in BOARDS if b.slug == slug)
    for card in board.cards:
        data = get(f"{dashboards_url}/api/d/{slug}/cards/{card.id}").json()
        assert data["error"] is None, (card.id, data["error"])
        assert data["display"] == card.display
        assert all(len(row) == len(data["columns"]) for row in data["rows"])


def test_filters_come_from_the_url(dashboards_url: str) -> None:
    url = f"{dashboards_url}/api/d/funnel/cards/visits"
    all_visits = get(url).json()
    mobile = get(url, device_type="mobile", unknown="ignored").json()
    assert mobile["values"]["device_type"] == "mobile" and "unknown" not in mobile["values"]
    assert 0 < mobile["rows"][0][0] < all_visits["rows"][0][0]
    one_day = all_visits["values"]["end"]
    day = get(url, start=one_day, end=one_day).json()
    assert day["values"]["start"] == one_day
    assert 0 < day["rows"][0][0] < all_visits["rows"][0][0]
    # The page shows the resolved values in its form.
    page = get(f"{dashboards_url}/d/funnel", device_type="mobile").text
    assert '<option value="mobile" selected>' in page
    assert f'name="end" value="{one_day}"' in page


def test_vendored_chart_library_is_compressed_and_licensed(dashboards_url: str) -> None:
    response = httpx.get(
        f"{dashboards_url}/static/vendor/echarts.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "javascript" in response.headers["content-type"]
    assert response.num_bytes_downloaded < len(response.content) / 2
    license_text = get(f"{dashboards_url}/static/vendor/LICENSE-echarts.txt").text
    assert "Apache License" in license_text


def test_unknown_dashboard_and_card_are_404(dashboards_url: str) -> None:
    page = get(f"{dashboards_url}/d/nope<script>")
    assert page.status_code == 404 and "No dashboard" in page.text
    assert "<script>" not in page.text.split("<main>")[1]
    card = get(f"{dashboards_url}/api/d/funnel/cards/nope")
    assert card.status_code == 404 and card.json() == {"error": "no such card"}
    assert get(f"{dashboards_url}/api/d/nope/cards/visits").status_code == 404
    assert get(f"{dashboards_url}/static/../app.py").status_code == 404


def test_bad_filter_values_are_400_with_a_clear_message(dashboards_url: str) -> None:
    page = get(f"{dashboards_url}/d/funnel", start="2026-13-45")
    assert page.status_code == 400
    assert "not a date (YYYY-MM-DD): &#39;2026-13-45&#39;" in page.text
    assert 'name="start" value="2026-13-45"' in page.text  # the form keeps what was typed
    assert "data-card=" not in page.text  # no card runs
    card = get(f"{dashboards_url}/api/d/funnel/cards/visits", device_type="fridge")
    assert card.status_code == 400
    assert "'fridge' is not one of" in card.json()["error"]


def test_failing_query_is_reported_on_its_card(dashboards_url: str) -> None:
    data = get(f"{dashboards_url}/api/d/testing/cards/broken").json()
    assert data["rows"] == [] and data["error"]
    assert "no_such_table" in data["error"] and "\n" not in data["error"]
    empty = get(f"{dashboards_url}/api/d/testing/cards/nothing").json()
    assert empty["error"] is None and empty["rows"] == []


@pytest.mark.parametrize(
    "hostile",
    [
        "mobile' OR 1=1 --",
        "x'); DROP TABLE dwh.sessions; --",
        "{q:String}",
        "{{q}}",
        "\\' OR '1'='1",
    ],
)
def test_hostile_filter_value_stays_a_value(
    dashboards_url: str, demo_warehouse: Warehouse, hostile: str
) -> None:
    base = f"{dashboards_url}/api/d/testing/cards"
    assert get(f"{base}/matching", q="mobile").json()["rows"][0][0] > 0
    assert get(f"{base}/matching", q=hostile).json()["rows"] == [[0]]
    assert get(f"{base}/echo", q=hostile).json()["rows"] == [[hostile, len(hostile.encode())]]
    assert demo_warehouse.scalar("SELECT count() FROM dwh.sessions") > 0


def test_markup_in_titles_and_values_is_escaped(dashboards_url: str) -> None:
    page = get(f"{dashboards_url}/d/testing", q='"><script>alert(1)</script>').text
    assert "<script>alert" not in page
    assert 'name="q" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page  # free text
    assert "Testing &lt;b&gt;&amp;&lt;/b&gt; &#34;quotes&#34;" in page
    assert "q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in page  # in the card URLs


def test_nav_links_keep_the_filters_other_dashboards_share(dashboards_url: str) -> None:
    page = get(f"{dashboards_url}/d/funnel", start="2026-11-16", device_type="mobile").text
    assert 'href="/d/behaviour?start=2026-11-16&amp;device_type=mobile"' in page
    assert 'href="/d/funnel?start=2026-11-16&amp;device_type=mobile"' in page


def test_mounted_under_a_prefix(demo_warehouse: Warehouse) -> None:
    web = create_dashboards_app(demo_warehouse)
    with serve_asgi(Starlette(routes=[Mount("/dashboards", app=web)])) as url:
        index = get(f"{url}/dashboards/")
        assert 'href="/dashboards/d/funnel"' in index.text
        page = get(f"{url}/dashboards/d/funnel").text
        assets = re.findall(r'(?:src|href)="(/dashboards/static/[^"]+)"', page)
        assert len(assets) == 3
        for asset in assets:
            assert get(f"{url}{asset}").status_code == 200
        card = re.search(r'data-url="(/dashboards/api/d/funnel/cards/visits\?[^"]+)"', page)
        assert card is not None
        assert get(f"{url}{card.group(1).replace('&amp;', '&')}").json()["rows"][0][0] > 0
