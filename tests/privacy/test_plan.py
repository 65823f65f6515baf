"""The erasure plan covers every table with a personal column, and names one it cannot erase."""

from __future__ import annotations

import re
from pathlib import Path

from loupe.privacy.plan import personal_tables, uncovered
from loupe.warehouse import Warehouse

# Tables of the migrated warehouse that hold a person's data, and must be in the plan.
EXPECTED = {
    "pd.api_calls", "pd.api_calls_rejected", "etl.visit_calls", "etl.touched_calls",
    "etl.sessions", "etl.touched_sessions", "etl.affected_visits", "etl.visitors",
    "dwh.sessions", "dwh.catalog_sessions", "dwh.product_sessions", "dwh.orders",
    "dwh.order_items", "dwh.order_reconciliation_unmatched", "etl.reconcile_orders",
    "history.cart_versions", "history.favorites_versions", "etl.snapshot_cart",
    "etl.snapshot_favorites", "etl.dim_orders", "etl.dim_order_items",
    "dwh.cart_events", "etl.cart_events", "dwh.carts", "etl.carts", "etl.cart_lines",
}  # fmt: skip


def test_every_table_with_a_personal_column_is_covered(warehouse: Warehouse) -> None:
    tables = personal_tables(warehouse)
    assert {table.name for table in tables} >= EXPECTED
    assert uncovered(tables) == []


def test_a_new_table_is_in_the_plan_or_named_as_uncovered(warehouse: Warehouse) -> None:
    warehouse.command("CREATE TABLE etl.logins (user_id UInt64, at DateTime) ORDER BY at")
    warehouse.command("CREATE TABLE etl.hits (visit_id UInt64, ip String) ORDER BY visit_id")
    tables = {table.name: table for table in personal_tables(warehouse)}
    assert tables["etl.logins"].covered
    assert [table.name for table in uncovered(list(tables.values()))] == ["etl.hits"]


def test_the_data_map_names_every_table_of_the_plan(warehouse: Warehouse) -> None:
    """docs/privacy.md's data map lists every table that holds a person's data: a table added
    later with a personal column must join it (the staging copies by their family's pattern)."""
    data_map = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    start = data_map.index("## Data map")
    data_map = data_map[start : data_map.index("\n## ", start + 1)]
    named = set(re.findall(r"`([a-z_]+\.[a-z_]+)(?:\*)?`", data_map))
    families = {name[: -len("*")] for name in re.findall(r"`([a-z_]+\.[a-z_]+\*)`", data_map)}
    missing = [
        table.name
        for table in personal_tables(warehouse)
        if table.name not in named
        and not any(table.name.startswith(family) for family in families)
        and not table.name.startswith("etl.previous_")  # "their `previous_*`" in the map
    ]
    assert missing == []
