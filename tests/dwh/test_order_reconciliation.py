"""dwh.order_reconciliation: logged orders against the production database, one row per
business day and run (history/reconcile.py)."""

from __future__ import annotations

import uuid
from datetime import date

from loupe.history import reconcile_orders
from loupe.history.reconcile import newest_order_day
from loupe.warehouse import Warehouse
from tests.helpers.orders import ORDER_SQL, TZ, log_call, order
from tests.helpers.shop import Shop


def test_reconciliation_per_day_with_the_unmatched(linked: Warehouse, shop: Shop) -> None:
    shop.execute(
        ORDER_SQL,
        order(1, "2026-11-20 10:00:00.000", 100),
        # Created just after midnight in Paris, logged just before: the database's day counts.
        order(2, "2026-11-20 23:00:00.050", 200),
        order(3, "2026-11-21 09:00:00.000", 50),
        order(4, "2026-11-21 10:00:00.000", 80),
        # The day after the days reconciled, inside the widened window: not reported.
        order(6, "2026-11-22 10:00:00.000", 60),
    )
    twice = str(uuid.uuid4())
    for _ in range(2):  # the same call stored twice counts once
        log_call(linked, "2026-11-20 10:00:00.000", {"order_id": 1, "total": 100}, event_id=twice)
    log_call(linked, "2026-11-20 22:59:59.950", {"order_id": 2, "total": 200})
    # 50 cents off: a mismatch (only float rounding, under half a cent, is tolerated).
    log_call(linked, "2026-11-21 10:00:00.000", {"order_id": 4, "total": 80.5})
    log_call(linked, "2026-11-20 12:00:00.000", {"order_id": 5, "total": 70})
    # Logged only, at 00:30 on the 21st in Paris: its day is the business day it was logged.
    log_call(linked, "2026-11-20 23:30:00.000", {"order_id": 7, "total": 30})
    log_call(linked, "2026-11-22 10:00:00.000", {"order_id": 6, "total": 60})
    log_call(linked, "2026-11-20 12:30:00.000", {"error": "invalid_items"}, status=400)
    log_call(linked, "2026-11-20 13:00:00.000", {"order_id": 1, "total": 100}, method="GET")

    result = reconcile_orders(linked, TZ, date(2026, 11, 20), date(2026, 11, 21))

    assert result.days == [
        {
            "date": "2026-11-20",
            "logged_orders": 2,
            "db_orders": 1,
            "matched": 1,
            "logged_revenue": 170.0,
            "db_revenue": 100.0,
            "match_rate": 0.5,
        },
        {
            "date": "2026-11-21",
            "logged_orders": 3,
            "db_orders": 3,
            "matched": 1,
            "logged_revenue": 310.5,
            "db_revenue": 330.0,
            "match_rate": 1 / 3,
        },
    ]
    unmatched = linked.rows(
        "SELECT toString(date) AS day, order_id, side, logged_total, db_total "
        "FROM dwh.order_reconciliation_unmatched ORDER BY order_id"
    )
    assert [tuple(row.values()) for row in unmatched] == [
        ("2026-11-21", 3, "db_only", None, 50.0),
        ("2026-11-21", 4, "total_mismatch", 80.5, 80.0),
        ("2026-11-20", 5, "log_only", 70.0, None),
        ("2026-11-21", 7, "log_only", 30.0, None),
    ]
    assert result.unmatched == 4
    # Reconciled alone, the 21st still finds order 2's call, logged on the 20th (business time).
    alone = reconcile_orders(linked, TZ, date(2026, 11, 21), date(2026, 11, 21))
    assert [(day["date"], day["logged_orders"], day["matched"]) for day in alone.days] == [
        ("2026-11-21", 3, 1)
    ]
    assert newest_order_day(linked, TZ) == date(2026, 11, 22)
    # Order 6, the newest, at 10:00 UTC: midnight on the 23rd at UTC+14.
    assert newest_order_day(linked, "Pacific/Kiritimati") == date(2026, 11, 23)
