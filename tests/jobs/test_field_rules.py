"""Hand-written calls that pin the field rules of docs/etl.md which simulated traffic leaves
open: boundaries, orderings and event kinds that a simulator run rarely or never produces."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.jobs.test_edge_cases import DAY, at, call, load


def listing(*product_ids: int) -> dict:
    return {"total": len(product_ids), "items": [{"id": id_, "price": 99} for id_ in product_ids]}


def catalog(minute: int, request: dict, response: dict | None = None) -> dict:
    response = listing(15, 16) if response is None else response
    return call(at(12, minute), endpoint="/api/v1/catalog", request=request, response=response)


def catalog_rows(warehouse: Warehouse) -> list[dict]:
    return warehouse.rows("SELECT * FROM dwh.catalog_sessions ORDER BY seq")


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


def cart_add(minute: int, product_id: int, status: int = 200) -> dict:
    response = {"product_id": product_id, "qty": 1, "price": 99}
    return call(
        at(12, minute),
        method="POST",
        endpoint="/api/v1/cart",
        status=status,
        request={"product_id": product_id, "qty": 1},
        response=response if status < 400 else {"error": "out_of_stock", "stock": 0},
    )


def view(minute: int, product_id: int, price: int = 99) -> dict:
    return call(
        at(12, minute),
        endpoint=f"/api/v1/products/{product_id}",
        response={"id": product_id, "price": price},
    )


def favorite_add(ts: str, product_id: int = 7, session: str = "s1") -> dict:
    return call(
        ts,
        session=session,
        method="POST",
        endpoint="/api/v1/favorites",
        request={"product_id": product_id},
        response={"product_id": product_id},
    )


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


def test_the_source_of_a_viewed_product_is_the_last_list_before_its_first_view(
    warehouse: Warehouse, settings: Settings
) -> None:
    favorites = call(
        at(12, 2),
        endpoint="/api/v1/favorites",
        response={"items": [{"product_id": 20}, {"product_id": 16}]},
    )
    load(
        warehouse,
        [catalog(0, {"section": "rings"}, listing(16)), cart_add(1, 16), favorites, view(3, 16)],
    )
    build_day(warehouse, settings, DAY)
    [product] = warehouse.rows("SELECT * FROM dwh.product_sessions")
    assert (product["source"], product["list_position"], product["cart_adds"]) == (
        "favorites",
        2,
        1,
    )


def test_a_bounce_is_a_visit_without_actions_and_a_400_is_an_error(
    warehouse: Warehouse, settings: Settings
) -> None:
    def bad_request(session: str) -> dict:
        return call(at(9, 2), session=session, method="POST", endpoint="/api/v1/cart", status=400)

    load(
        warehouse,
        [
            call(at(9), session="home-only"),
            bad_request("home-only"),
            favorite_add(at(9, 1), session="favorites-only"),
            bad_request("favorites-only"),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT session_id, calls, errors, cart_adds, favorite_adds, is_bounce FROM dwh.sessions "
        "ORDER BY session_id"
    )
    assert [tuple(row.values()) for row in rows] == [
        ("favorites-only", 2, 1, 0, 1, 0),
        ("home-only", 2, 1, 0, 0, 1),
    ]


def test_favorite_and_cart_removals_count_per_product(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            call(at(9), endpoint="/api/v1/products/7", response={"id": 7, "price": 100}),
            favorite_add(at(9, 1)),
            call(at(9, 2), method="DELETE", endpoint="/api/v1/favorites/7"),
            favorite_add(at(9, 3)),
            call(at(9, 3, 30), method="DELETE", endpoint="/api/v1/favorites/7", status=500),
            call(at(9, 4), method="DELETE", endpoint="/api/v1/cart/7", response={"product_id": 7}),
            call(at(9, 5), method="DELETE", endpoint="/api/v1/cart/8", status=404),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT product_id, views, favorite_adds, favorite_removes, cart_adds, cart_removes "
        "FROM dwh.product_sessions ORDER BY product_id"
    )
    assert rows == [
        {
            "product_id": 7,
            "views": 1,
            "favorite_adds": 2,
            "favorite_removes": 1,
            "cart_adds": 0,
            "cart_removes": 1,
        }
    ]
    [stats] = warehouse.rows("SELECT * FROM dwh.daily_product_stats")
    assert (stats["favorite_adds"], stats["views"]) == (2, 1)


def test_price_at_view_is_the_price_of_the_first_view(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [view(0, 7, price=100), view(5, 7, price=90)],
    )
    build_day(warehouse, settings, DAY)
    [product] = warehouse.rows("SELECT * FROM dwh.product_sessions")
    assert (product["views"], product["price_at_view"]) == (2, 100)
    assert product["first_view_ts"].isoformat().startswith("2026-11-20T12:00:00")


def test_registered_in_visit_is_a_registration_not_a_login(
    warehouse: Warehouse, settings: Settings
) -> None:
    def auth(session: str, action: str, user_id: int, status: int = 200) -> list[dict]:
        response = {"user_id": user_id} if status < 400 else {"error": "server_error"}
        attempt = call(
            at(10),
            session=session,
            method="POST",
            endpoint=f"/api/v1/auth/{action}",
            request={"email": f"{session}@example.com"},
            response=response,
            status=status,
        )
        after = call(at(10, 1), session=session, user_id=user_id if status < 400 else None)
        return [attempt, after]

    load(
        warehouse,
        auth("logs-in", "login", 5)
        + auth("registers", "register", 6)
        # A registration that failed: the visit stays a guest's.
        + auth("fails", "register", 7, status=500),
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT session_id, user_id, user_type, registered_in_visit FROM dwh.sessions "
        "ORDER BY session_id"
    )
    assert [tuple(row.values()) for row in rows] == [
        ("fails", 0, "guest", 0),
        ("logs-in", 5, "registered", 0),
        ("registers", 6, "registered", 1),
    ]


def test_a_visit_keeps_its_last_known_user_after_a_logout(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, [call(at(10)), call(at(10, 1), user_id=5), call(at(10, 2), user_id=None)])
    build_day(warehouse, settings, DAY)
    [visit] = warehouse.rows("SELECT user_id, user_type FROM dwh.sessions")
    assert (visit["user_id"], visit["user_type"]) == (5, "registered")


def test_entry_exit_and_device_come_from_the_visits_first_and_last_calls(
    warehouse: Warehouse, settings: Settings
) -> None:
    desktop = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    )
    load(
        warehouse,
        [
            call(at(10), endpoint="/api/v1/home"),  # the iPhone's user agent
            call(at(10, 1), endpoint="/api/v1/catalog", request={"section": "rings"}),
            call(at(10, 2), endpoint="/api/v1/products/7", user_agent=desktop),
        ],
    )
    build_day(warehouse, settings, DAY)
    [visit] = warehouse.rows("SELECT * FROM dwh.sessions")
    assert (visit["entry_endpoint"], visit["exit_endpoint"]) == (
        "/api/v1/home",
        "/api/v1/products/7",
    )
    assert (visit["device_type"], visit["os"]) == ("mobile", "iOS")
