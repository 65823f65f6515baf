"""Live inventory views (dwh.icart, dwh.ifavs) read the production database as it is; they exist
only once it is linked. The dwh copies: tests/dwh/test_{items,orders,order_items}.py."""

from __future__ import annotations

from collections import Counter, defaultdict

from loupe.history import refresh_dimensions
from loupe.schema.link import create_live_views, link_production
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.shop import ITEM, NAMES, Shop, T, fill


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


def test_live_views_label_items_as_the_copy_does(named_shop: Shop, linked: Warehouse) -> None:
    """`label` comes from dwh.items; an item the copy does not have yet is `SKU · section`."""
    create_live_views(linked)

    def labels(view: str) -> dict[int, str]:
        rows = linked.rows(f"SELECT item_id, label FROM dwh.{view}")
        return {row["item_id"]: row["label"] for row in rows}

    fallback = {i: f"R-{i} · rings" for i in (1, 2, 3, 4)}
    assert labels("icart") == labels("ifavs") == {i: fallback[i] for i in (1, 2, 3)}  # no copy
    refresh_dimensions(linked, "UTC")
    named = {1: NAMES[1], 2: fallback[2], 3: fallback[3]}
    assert labels("icart") == labels("ifavs") == named
    named_shop.execute(
        "INSERT INTO items (id, sku, section, material, price, updated_at, name) "
        f"VALUES (4, 'R-4', 'rings', 'gold', 400, '{T}', 'Collier')"
    )
    assert labels("icart") == labels("ifavs") == {**named, 4: fallback[4]}
