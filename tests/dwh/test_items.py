"""dwh.items: a copy of the production database's items with their stock, refreshed whole
(history/live.py)."""

from __future__ import annotations

from loupe.history import refresh_dimensions
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop, fill, fill_orders, remove_an_order_and_an_item


def test_the_items_copy_equals_the_source(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    fill_orders(shop)
    copied = refresh_dimensions(linked, "Europe/Paris")
    assert copied == {"items": 3, "orders": 2, "order_items": 3}
    items = linked.rows("SELECT id, sku, price, stock FROM dwh.items ORDER BY id")
    assert [tuple(row.values()) for row in items] == [
        (1, "R-1", 100, 5),
        (2, "R-2", 200, 1),
        (3, "R-3", 300, 0),
    ]
    remove_an_order_and_an_item(shop)
    refresh_dimensions(linked, "UTC")
    assert linked.scalar("SELECT count() FROM dwh.items") == 2
