"""dwh.orders: a copy of the production database's orders, each on its business day, refreshed
whole (history/live.py)."""

from __future__ import annotations

from datetime import date

from loupe.history import refresh_dimensions
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop, fill, fill_orders, remove_an_order_and_an_item


def test_the_orders_copy_equals_the_source_on_business_days(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    fill_orders(shop)
    refresh_dimensions(linked, "Europe/Paris")
    # 23:30 UTC on the 20th is 00:30 on the 21st in Paris.
    orders = linked.rows("SELECT id, toString(date) AS day, total FROM dwh.orders ORDER BY id")
    assert orders == [
        {"id": 10, "day": "2026-11-21", "total": 300},
        {"id": 11, "day": "2026-11-21", "total": 100},
    ]
    remove_an_order_and_an_item(shop)
    refresh_dimensions(linked, "UTC")
    assert linked.scalar("SELECT groupArray(id) FROM (SELECT id FROM dwh.orders ORDER BY id)") == [
        10
    ]
    assert linked.scalar("SELECT toString(any(date)) FROM dwh.orders") == "2026-11-20"


def test_the_copy_leaves_out_orders_older_than_dwh_keeps(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    fill_orders(shop)
    refresh_dimensions(linked, "UTC", keep_from=date(2026, 11, 21))
    assert linked.scalar("SELECT groupArray(id) FROM dwh.orders") == [11]
    assert linked.scalar("SELECT groupArray(order_id) FROM dwh.order_items") == [11]
