"""dwh.catalog_sessions: one row per catalog call of a visit (docs/etl.md), from hand-written
calls: queries, filters, clicks and refinements."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loupe.ingest.middleware import ApiCallASGIMiddleware
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.jobs.event_map import PACKAGED_MAP
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    IPHONE,
    at,
    call,
    cart_add,
    catalog,
    listing,
    load,
    view,
)
from tests.helpers.servers import serve_asgi


def catalog_rows(warehouse: Warehouse) -> list[dict]:
    return warehouse.rows("SELECT * FROM dwh.catalog_sessions ORDER BY seq")


def test_search_click_position_and_refinement(warehouse: Warehouse, settings: Settings) -> None:
    results = {"total": 30, "items": [{"id": 10 + n, "price": 99} for n in range(24)]}
    load(
        warehouse,
        [
            call(
                at(12), endpoint="/api/v1/catalog", request={"q": "  Gold  RING "}, response=results
            ),
            call(
                at(12, 1),
                endpoint="/api/v1/catalog",
                request={"q": "gold ring", "metal": ["585"], "page": 2},
                response=results,
            ),
            call(at(12, 2), endpoint="/api/v1/products/15", response={"id": 15, "price": 99}),
            call(
                at(12, 3),
                method="POST",
                endpoint="/api/v1/cart",
                request={"product_id": 15, "qty": 1},
            ),
            call(
                at(12, 4),
                endpoint="/api/v1/catalog",
                request={"q": "кольцо"},
                response={"total": 0, "items": []},
            ),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows("SELECT * FROM dwh.catalog_sessions ORDER BY seq")
    assert [r["q"] for r in rows] == ["gold ring", "gold ring", "кольцо"]
    assert [r["is_refinement"] for r in rows] == [0, 1, 0]
    assert (rows[1]["clicked_product_id"], rows[1]["clicked_position"]) == (15, 24 + 6)
    assert rows[1]["led_to_cart"] == 1 and rows[0]["clicked_product_id"] == 0
    assert rows[2]["is_zero_result"] == 1
    [product] = warehouse.rows("SELECT * FROM dwh.product_sessions")
    assert (product["source"], product["list_position"]) == ("search", 30)


def test_a_catalog_call_recorded_from_its_query_string(
    warehouse: Warehouse, settings: Settings
) -> None:
    """Loupe's middleware records a GET's query string as it comes: a filter chosen once is a
    string, a repeated one a list, numbers are text. The catalog row reads them all."""

    async def catalog(request: Request) -> JSONResponse:
        return JSONResponse({"total": 30, "items": [{"id": n, "price": 99} for n in range(48)]})

    shop = Starlette(routes=[Route("/api/v1/catalog", catalog)])
    query = (
        "q=Gold+Ring&material=gold&metal=585&metal=750&stone=&page=2&per_page=48"
        "&price_min=1000&sort=price_asc"
    )
    with BatchWriter(WarehouseSink(warehouse), max_delay_ms=20) as writer:
        with serve_asgi(ApiCallASGIMiddleware(shop, writer)) as url:
            answer = httpx.get(
                f"{url}/api/v1/catalog?{query}",
                cookies={"session_id": "s-1"},
                headers={"User-Agent": IPHONE},
            )
            assert answer.status_code == 200
        writer.flush(timeout=30)
    assert warehouse.scalar("SELECT any(request) FROM pd.api_calls").startswith('{"q":"Gold Ring"')
    build_day(warehouse, settings, warehouse.scalar("SELECT toDate(max(ts)) FROM pd.api_calls"))
    [row] = warehouse.rows("SELECT * FROM dwh.catalog_sessions")
    assert (row["q"], row["is_search"], row["sort"]) == ("gold ring", 1, "price_asc")
    assert (row["material"], row["metal"], row["stone"]) == (["gold"], ["585", "750"], [])
    assert (row["page"], row["per_page"], row["price_min"]) == (2, 48, 1000)


def test_a_price_band_includes_its_upper_bound(warehouse: Warehouse, settings: Settings) -> None:
    filters = [
        ({}, "any"),
        ({"price_max": 5000}, "up_to_5k"),
        ({"price_max": 5001}, "5k_20k"),
        ({"price_min": "20000"}, "5k_20k"),  # a lower bound alone, as text from a query string
        ({"price_min": 1000, "price_max": 50000}, "20k_50k"),
        ({"price_max": 50001}, "50k_plus"),
    ]
    load(warehouse, [catalog(n, request) for n, (request, _) in enumerate(filters)])
    build_day(warehouse, settings, DAY)
    assert [row["price_band"] for row in catalog_rows(warehouse)] == [band for _, band in filters]


def test_omitted_catalog_parameters_take_the_shops_defaults(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            catalog(0, {}),
            catalog(1, {"sort": "new", "page": "3", "per_page": 48}),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = catalog_rows(warehouse)
    assert [(row["sort"], row["page"], row["per_page"]) for row in rows] == [
        ("popular", 1, 24),
        ("new", 3, 48),
    ]


def test_a_refinement_is_the_same_query_with_other_filters_or_sort(
    warehouse: Warehouse, settings: Settings
) -> None:
    requests = [
        ({"q": "ring"}, 0),  # the visit's first catalog call
        ({"q": "ring", "page": 2}, 0),  # another page of the same listing
        ({"q": "ring", "page": 2, "sort": "price_asc"}, 1),
        ({"q": "Ring ", "sort": "price_asc", "material": ["gold"]}, 1),  # same normalised query
        ({"q": "earrings", "sort": "price_asc", "material": ["gold"]}, 0),  # another query
        ({"section": "rings"}, 0),  # browsing after a search: the query changed to none
        ({"section": "earrings"}, 1),  # browsing with another section: same (empty) query
    ]
    load(warehouse, [catalog(n, request) for n, (request, _) in enumerate(requests)])
    build_day(warehouse, settings, DAY)
    rows = catalog_rows(warehouse)
    assert [row["is_refinement"] for row in rows] == [expected for _, expected in requests]


def test_led_to_cart_needs_a_successful_cart_add_after_the_click(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            catalog(0, {"section": "rings"}, listing(16)),
            cart_add(1, 16),  # from the list, before the product page was opened
            view(2, 16),
            catalog(3, {"section": "rings", "page": 2}, listing(15)),
            view(4, 15),
            cart_add(5, 15, status=409),
            catalog(6, {"section": "rings", "page": 3}, listing(17)),
            view(7, 17),
            cart_add(8, 17),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = catalog_rows(warehouse)
    assert [(row["clicked_product_id"], row["led_to_cart"]) for row in rows] == [
        (16, 0),
        (15, 0),
        (17, 1),
    ]


def test_a_map_of_its_own_reads_another_api(
    warehouse: Warehouse, settings: Settings, tmp_path: Path
) -> None:
    """A shop whose catalog is `GET /api/v2/listing?query=...&category=...`, answering `count`,
    points the setting `shop_api_map` at a map of its own; the packaged map sees other calls."""
    shop = yaml.safe_load(PACKAGED_MAP.read_text())
    shop["events"]["catalog"]["path"] = "^/api/v2/listing/?$"
    shop["catalog"]["request"].update(q="query", section="category")
    shop["catalog"]["response_total"] = "count"
    map_file = tmp_path / "our_api.yaml"
    map_file.write_text(yaml.safe_dump(shop))
    load(
        warehouse,
        [
            call(
                at(12),
                endpoint="/api/v2/listing",
                request={"query": " Silver  Chain", "category": "chains", "page": 2},
                response={"count": 57, "items": [{"id": 7, "price": 120}]},
            )
        ],
    )
    build_day(warehouse, settings, DAY)
    assert warehouse.rows("SELECT * FROM dwh.catalog_sessions") == []
    build_day(warehouse, settings.model_copy(update={"shop_api_map": map_file}), DAY)
    [row] = warehouse.rows("SELECT * FROM dwh.catalog_sessions")
    assert (row["q"], row["section"], row["page"]) == ("silver chain", "chains", 2)
    assert (row["results_total"], row["is_search"]) == (57, 1)
