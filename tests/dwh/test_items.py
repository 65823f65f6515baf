"""dwh.items: a copy of the production database's items with their stock, refreshed whole
(history/live.py), and each item's `label`: its name from the column `entities.yaml` configures,
else `SKU · section`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loupe.history import refresh_dimensions
from loupe.history.entities import load_config
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate, migrations_dir
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.shop import NAMES, Shop, fill, fill_orders, remove_an_order_and_an_item


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


def test_without_a_name_column_the_label_is_sku_and_section(linked: Warehouse, shop: Shop) -> None:
    assert load_config()["items"].label == "name"  # configured, but the simulator's table lacks it
    fill(shop)
    refresh_dimensions(linked, "UTC")
    rows = linked.rows("SELECT id, label FROM dwh.items ORDER BY id")
    assert rows == [{"id": i, "label": f"R-{i} · rings"} for i in (1, 2, 3)]


def test_the_label_is_the_name_of_the_configured_column(
    named_shop: Shop, linked: Warehouse
) -> None:
    source = dict(named_shop.fetch("SELECT id, name FROM items"))
    assert source == {1: NAMES[1], 2: None, 3: NAMES[3]}
    refresh_dimensions(linked, "UTC")
    rows = linked.rows("SELECT id, label FROM dwh.items ORDER BY id")
    assert rows == [
        {"id": 1, "label": NAMES[1]},
        {"id": 2, "label": "R-2 · rings"},  # no name
        {"id": 3, "label": "R-3 · rings"},  # a blank one
    ]


@pytest.mark.parametrize("configured", [None, "title"])
def test_an_unconfigured_or_absent_column_gives_sku_and_section(
    named_shop: Shop, linked: Warehouse, monkeypatch: pytest.MonkeyPatch, configured: str | None
) -> None:
    monkeypatch.setattr(load_config()["items"], "label", configured)
    refresh_dimensions(linked, "UTC")
    labels = [row["label"] for row in linked.rows("SELECT label FROM dwh.items ORDER BY id")]
    assert labels == ["R-1 · rings", "R-2 · rings", "R-3 · rings"]


def test_rows_copied_before_the_label_read_sku_and_section(
    settings: Settings, tmp_path: Path
) -> None:
    """The migration adding `label` gives the rows already copied `SKU · section`, until the next
    refresh replaces them."""
    earlier = tmp_path / "migrations"
    earlier.mkdir()
    for path in migrations_dir().glob("*.sql"):
        if path.name < "0140":
            shutil.copy(path, earlier)
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL(), earlier)
        warehouse.command(
            "INSERT INTO dwh.items (id, sku, section, material, price, updated_at, stock, "
            "refreshed_at) VALUES (7, 'EAR-000007', 'earrings', 'gold', 100, now(), 1, now())"
        )
        applied = [m.name for m in migrate(warehouse, DDL())]
        assert applied[0] == "0140_dwh_items_label.sql"
        assert warehouse.rows("SELECT id, label FROM dwh.items") == [
            {"id": 7, "label": "EAR-000007 · earrings"}
        ]
