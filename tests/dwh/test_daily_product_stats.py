"""dwh.daily_product_stats: per day and product, the sums of its visits' product rows, bots left
out (docs/etl.md)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, cart_add, load, view


def test_a_products_day_sums_its_visits_without_the_bots(
    warehouse: Warehouse, settings: Settings
) -> None:
    page = {"endpoint": "/api/v1/products/7", "response": {"id": 7, "price": 99}}
    load(
        warehouse,
        [
            view(0, 7),
            cart_add(1, 7),
            call(at(13), session="s2", **page),
            call(at(13), session="bot", user_agent=GOOGLEBOT, **page),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT product_id, visits, views, cart_adds FROM dwh.daily_product_stats"
    )
    assert rows == [{"product_id": 7, "visits": 2, "views": 2, "cart_adds": 1}]
