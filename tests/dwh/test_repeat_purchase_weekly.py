"""dwh.repeat_purchase_weekly and dwh.retention_weekly from hand-written visits: a visitor is the
user id, else the session cookie (not merged backwards), and a later build of an earlier day moves
the cohorts (the tables are recomputed after each build)."""

from __future__ import annotations

from datetime import date, timedelta

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, at, call, load

NEXT_WEEK = DAY + timedelta(days=7)


def order(hour: int, day: date, **fields: object) -> dict:
    request = {"items": [{"product_id": 1, "qty": 2, "price": 50}]}
    return call(
        at(hour, day=day),
        method="POST",
        endpoint="/api/v1/orders",
        request=request,
        response={"order_id": 1, "total": 100},
        **fields,
    )


def cells(warehouse: Warehouse, table: str) -> list[tuple]:
    return [
        tuple(row.values())
        for row in warehouse.rows(f"SELECT * FROM dwh.{table} ORDER BY cohort_week, week_offset")
    ]


def test_a_cookie_that_logs_in_later_is_not_merged_backwards(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            call(at(8), session="cookie"),
            order(10, DAY, session="cookie", user_id=5),  # a new visit (gap), logged in
            order(10, NEXT_WEEK, session="other", user_id=5),
        ],
    )
    build_day(warehouse, settings, DAY)
    monday = DAY - timedelta(days=DAY.weekday())
    assert cells(warehouse, "retention_weekly") == [(monday, 0, 2, 2, 1, 1, 100.0)]
    assert cells(warehouse, "repeat_purchase_weekly") == [(monday, 0, 1, 1, 1, 100.0)]
    build_day(warehouse, settings, NEXT_WEEK)
    assert cells(warehouse, "retention_weekly") == [
        (monday, 0, 2, 2, 1, 1, 100.0),
        (monday, 1, 2, 1, 1, 1, 100.0),  # user 5 came back; the cookie's guest visit did not
    ]
    assert cells(warehouse, "repeat_purchase_weekly") == [
        (monday, 0, 1, 1, 1, 100.0),
        (monday, 1, 1, 1, 1, 100.0),
    ]
