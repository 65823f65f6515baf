"""dwh.order_items: a copy of the production database's order lines, each on its order's business
day, refreshed whole (history/live.py)."""

from __future__ import annotations

from loupe.history import refresh_dimensions
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop, fill, fill_orders, remove_an_order_and_an_item


def test_the_order_lines_copy_equals_the_source_even_emptied(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    fill_orders(shop)
    refresh_dimensions(linked, "Europe/Paris")
    lines = linked.rows(
        "SELECT DISTINCT order_id, toString(date) AS day FROM dwh.order_items ORDER BY order_id"
    )
    assert lines == [{"order_id": 10, "day": "2026-11-21"}, {"order_id": 11, "day": "2026-11-21"}]
    remove_an_order_and_an_item(shop)
    refresh_dimensions(linked, "UTC")
    assert linked.scalar("SELECT count() FROM dwh.order_items") == 2
    # A source emptied: the copy is emptied too, not left as it was.
    shop.execute("DELETE FROM order_items")
    assert refresh_dimensions(linked, "UTC")["order_items"] == 0
    assert linked.scalar("SELECT count() FROM dwh.order_items") == 0
