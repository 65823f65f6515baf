"""dwh.order_reconciliation_unmatched: the orders found on one side only, or with two totals,
listed by each run."""

from __future__ import annotations

from datetime import date

from loupe.history import reconcile_orders
from loupe.warehouse import Warehouse
from tests.helpers.orders import ORDER_SQL, TZ, order
from tests.helpers.shop import Shop


def test_each_run_lists_its_unmatched_orders(linked: Warehouse, shop: Shop) -> None:
    shop.execute(ORDER_SQL, order(1, "2026-11-20 10:00:00.000", 100))
    first = reconcile_orders(linked, TZ, date(2026, 11, 20), date(2026, 11, 20))
    second = reconcile_orders(linked, TZ, date(2026, 11, 20), date(2026, 11, 20))
    assert (first.unmatched, second.unmatched) == (1, 1)
    rows = linked.rows(
        "SELECT order_id, side, db_total, checked_at FROM dwh.order_reconciliation_unmatched "
        "ORDER BY checked_at"
    )
    assert [(row["order_id"], row["side"], row["db_total"]) for row in rows] == [
        (1, "db_only", 100.0),
        (1, "db_only", 100.0),
    ]
    assert rows[0]["checked_at"] < rows[1]["checked_at"]
