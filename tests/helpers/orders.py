"""Orders on both sides of the reconciliation: rows of the production database's `orders`, and
order calls logged in pd.api_calls."""

from __future__ import annotations

import uuid

import orjson

from loupe.warehouse import Warehouse

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
    """An order call as the shop's API logged it (straight into pd.api_calls)."""
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
    """An ORDER_SQL row of one order (its total, nothing discounted)."""
    return (order_id, created_at, total, total)


# An order row of the production database: (id, created_at, total, paid).
ORDER_SQL = "INSERT INTO orders VALUES (?, 7, 's', ?, 'created', ?, 0, ?, NULL)"
