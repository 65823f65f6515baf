"""Order reconciliation: logged orders against the production database, per business day."""

from __future__ import annotations

import uuid
from datetime import date

import orjson

from loupe.history import reconcile_orders
from loupe.history.reconcile import newest_order_day
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop

TZ = "Europe/Paris"  # UTC+1 in November
CALL_SQL = """
INSERT INTO pd.api_calls (event_id, ts, session_id, user_id, method, endpoint, status, response,
    received_at)
VALUES ({event_id:UUID}, {ts:String}, 's', 7, {method:String}, {endpoint:String}, {status:UInt16},
    {response:String}, {ts:String})
"""


def log_call(
    warehouse: Warehouse,
    ts: str,
    response: dict,
    status: int = 200,
    method: str = "POST",
    endpoint: str = "/api/v1/orders",
    event_id: str | None = None,
) -> None:
    warehouse.command(
        CALL_SQL,
        {
            "event_id": event_id or str(uuid.uuid4()),
            "ts": ts,
            "method": method,
            "endpoint": endpoint,
            "status": status,
            "response": orjson.dumps(response).decode(),
        },
    )


def order(order_id: int, created_at: str, total: int) -> tuple:
    return (order_id, created_at, total, total)


def test_reconciliation_per_day_with_the_unmatched(linked: Warehouse, shop: Shop) -> None:
    shop.execute(
        "INSERT INTO orders VALUES (?, 7, 's', ?, 'created', ?, 0, ?, NULL)",
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


def test_each_run_is_recorded_and_the_latest_is_kept(linked: Warehouse, shop: Shop) -> None:
    shop.execute(
        "INSERT INTO orders VALUES (?, 7, 's', ?, 'created', ?, 0, ?, NULL)",
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
