"""dwh.product_sessions: one row per product a visit touched (docs/etl.md), from hand-written
calls."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    at,
    call,
    cart_add,
    catalog,
    favorite_add,
    listing,
    load,
    view,
)


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


def test_viewed_out_of_stock_marks_a_page_that_answered_stock_0(
    warehouse: Warehouse, settings: Settings
) -> None:
    def page(minute: int, product_id: int, stock: int | None, status: int = 200) -> dict:
        response = {"id": product_id, "price": 99}
        if stock is not None:
            response["stock"] = stock
        return {**view(minute, product_id), "status": status, "response": response}

    calls = [
        page(0, 7, 3),
        page(1, 7, 0),  # out of stock once: the visit saw it
        page(2, 7, 4),
        page(3, 8, 2),
        page(4, 9, None),  # no stock in the answer: not known to be out
        page(5, 10, 0, status=500),  # a failed call is no view
        cart_add(6, 10),
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT product_id, views, viewed_out_of_stock FROM dwh.product_sessions "
        "ORDER BY product_id"
    )
    assert [tuple(row.values()) for row in rows] == [(7, 3, 1), (8, 1, 0), (9, 1, 0), (10, 0, 0)]
