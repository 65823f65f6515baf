"""Live inventory views read the production database as it is; the dwh copies equal it."""

from __future__ import annotations

from collections import Counter, defaultdict

from loupe.history import refresh_dimensions
from loupe.schema.link import create_live_views, link_production
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop

T = "2026-11-20 10:00:00.000"
ITEM = f"INSERT INTO items VALUES (?, ?, 'rings', 'gold', NULL, NULL, NULL, ?, NULL, '{T}')"
CART = f"INSERT INTO cart VALUES (?, ?, NULL, 's', ?, 100, '{T}', '{T}')"


def fill(shop: Shop) -> None:
    shop.execute(ITEM, (1, "R-1", 100), (2, "R-2", 200), (3, "R-3", 300))
    shop.execute(f"INSERT INTO stock VALUES (?, ?, '{T}')", (1, 5), (2, 1), (3, 0))
    shop.execute(CART, ("u:1", 1, 2), ("u:2", 1, 1), ("s:x", 2, 3))
    shop.execute(f"INSERT INTO favorites VALUES (?, ?, '{T}')", (1, 1), (2, 1), (1, 3))


def expected_icart(shop: Shop) -> list[dict]:
    """dwh.icart computed in Python from the source tables."""
    stock = dict(shop.fetch("SELECT item_id, quantity FROM stock"))
    units: dict[int, int] = defaultdict(int)
    carts: dict[int, set] = defaultdict(set)
    for cart_key, item_id, qty in shop.fetch("SELECT cart_key, item_id, qty FROM cart"):
        units[item_id] += qty
        carts[item_id].add(cart_key)
    return [
        {
            "item_id": item_id,
            "units_in_carts": units[item_id],
            "carts": len(carts[item_id]),
            "stock": stock.get(item_id, 0),
            "available": stock.get(item_id, 0) - units[item_id],
        }
        for (item_id,) in sorted(shop.fetch("SELECT id FROM items"))
    ]


ICART_SQL = """
SELECT item_id, units_in_carts, carts, stock, available FROM dwh.icart ORDER BY item_id
"""


def test_live_views_agree_with_the_source_and_stay_live(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    assert create_live_views(linked) == ["dwh.icart", "dwh.ifavs"]
    assert linked.rows(ICART_SQL) == expected_icart(shop)
    assert [row["available"] for row in linked.rows(ICART_SQL)] == [2, -2, 0]
    favorites = Counter(item for (item,) in shop.fetch("SELECT item_id FROM favorites"))
    ifavs = linked.rows("SELECT item_id, favorited_by, stock FROM dwh.ifavs ORDER BY item_id")
    assert ifavs == [
        {"item_id": 1, "favorited_by": favorites[1], "stock": 5},
        {"item_id": 2, "favorited_by": 0, "stock": 1},
        {"item_id": 3, "favorited_by": favorites[3], "stock": 0},
    ]
    shop.execute("DELETE FROM cart WHERE item_id = 2")
    shop.execute("UPDATE stock SET quantity = 9 WHERE item_id = 3")
    # A new item with no stock row yet: in both views, with a stock of 0.
    shop.execute(ITEM, (4, "R-4", 400))
    shop.execute(f"INSERT INTO favorites VALUES (3, 4, '{T}')")
    assert linked.rows(ICART_SQL) == expected_icart(shop)
    assert linked.rows("SELECT favorited_by, stock FROM dwh.ifavs WHERE item_id = 4") == [
        {"favorited_by": 1, "stock": 0}
    ]


def test_live_views_survive_relinking(
    linked: Warehouse, shop: Shop, linked_settings: Settings
) -> None:
    fill(shop)
    create_live_views(linked)
    link_production(linked, linked_settings.production_url.get_secret_value())
    assert linked.rows(ICART_SQL) == expected_icart(shop)


def test_dimension_copies_equal_the_source(linked: Warehouse, shop: Shop) -> None:
    fill(shop)
    shop.execute(
        "INSERT INTO orders VALUES (?, 7, 's', ?, 'created', ?, 0, ?, NULL)",
        (10, "2026-11-20 23:30:00.000", 300, 300),
        (11, "2026-11-21 08:00:00.000", 100, 100),
    )
    shop.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", (10, 1, 1, 100), (10, 2, 1, 200))
    shop.execute("INSERT INTO order_items VALUES (11, 1, 1, 100)")
    copied = refresh_dimensions(linked, "Europe/Paris")
    assert copied == {"items": 3, "orders": 2, "order_items": 3}
    items = linked.rows("SELECT id, sku, price, stock FROM dwh.items ORDER BY id")
    assert [tuple(row.values()) for row in items] == [
        (1, "R-1", 100, 5),
        (2, "R-2", 200, 1),
        (3, "R-3", 300, 0),
    ]
    # 23:30 UTC on the 20th is 00:30 on the 21st in Paris.
    orders = linked.rows("SELECT id, toString(date) AS day, total FROM dwh.orders ORDER BY id")
    assert orders == [
        {"id": 10, "day": "2026-11-21", "total": 300},
        {"id": 11, "day": "2026-11-21", "total": 100},
    ]
    lines = linked.rows(
        "SELECT DISTINCT order_id, toString(date) AS day FROM dwh.order_items ORDER BY order_id"
    )
    assert lines == [{"order_id": 10, "day": "2026-11-21"}, {"order_id": 11, "day": "2026-11-21"}]
    shop.execute("DELETE FROM order_items WHERE order_id = 11")
    shop.execute("DELETE FROM orders WHERE id = 11")
    shop.execute("DELETE FROM items WHERE id = 3")
    refresh_dimensions(linked, "UTC")
    assert linked.scalar("SELECT groupArray(id) FROM (SELECT id FROM dwh.orders ORDER BY id)") == [
        10
    ]
    assert linked.scalar("SELECT count() FROM dwh.order_items") == 2
    assert linked.scalar("SELECT count() FROM dwh.items") == 2
    assert linked.scalar("SELECT toString(any(date)) FROM dwh.orders") == "2026-11-20"
    # A source emptied: the copy is emptied too, not left as it was.
    shop.execute("DELETE FROM order_items")
    assert refresh_dimensions(linked, "UTC")["order_items"] == 0
    assert linked.scalar("SELECT count() FROM dwh.order_items") == 0
