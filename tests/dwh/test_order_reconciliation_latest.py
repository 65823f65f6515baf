"""dwh.order_reconciliation_latest: the latest run's reconciliation of each day (a view over
dwh.order_reconciliation)."""

from __future__ import annotations

from datetime import date

from loupe.history import reconcile_orders
from loupe.warehouse import Warehouse
from tests.helpers.orders import ORDER_SQL, TZ, log_call, order
from tests.helpers.shop import Shop


def test_each_run_is_recorded_and_the_latest_is_kept(linked: Warehouse, shop: Shop) -> None:
    shop.execute(
        ORDER_SQL,
        order(1, "2026-11-20 10:00:00.000", 100),
    )
    first = reconcile_orders(linked, TZ, date(2026, 11, 20), date(2026, 11, 20))
    log_call(linked, "2026-11-20 10:00:00.000", {"order_id": 1, "total": 100})
    second = reconcile_orders(linked, TZ, date(2026, 11, 20), date(2026, 11, 20))
    assert [day["match_rate"] for day in first.days + second.days] == [0.0, 1.0]
    assert linked.scalar("SELECT count() FROM dwh.order_reconciliation") == 2
    latest = linked.rows("SELECT match_rate, checked_at FROM dwh.order_reconciliation_latest")
    assert [row["match_rate"] for row in latest] == [1.0]
    assert latest[0]["checked_at"] == second.checked_at.replace(
        microsecond=second.checked_at.microsecond // 1000 * 1000
    )
    runs = linked.rows("SELECT rows_written FROM etl.job_runs WHERE job = 'reconcile_orders'")
    assert sorted(run["rows_written"] for run in runs) == [1, 2]
