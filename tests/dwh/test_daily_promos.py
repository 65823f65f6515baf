"""dwh.daily_promos: the day's orders by promo code, with the codes the shop refused, from
hand-written calls (the simulator's truth: tests/jobs/test_truth.py)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, load


def order(minute: int, session: str, lines: list[tuple[int, int]], promo: str | None = None,
          status: int = 200, total: int | None = None) -> dict:  # fmt: skip
    """An order at 12:`minute` of `session` with `(qty, price)` lines and maybe a promo code;
    `total` defaults to the subtotal."""
    request: dict = {
        "items": [{"product_id": 7 + n, "qty": qty, "price": price} for n, (qty, price) in
                  enumerate(lines)]
    }  # fmt: skip
    if promo is not None:
        request["promo"] = promo
    subtotal = sum(qty * price for qty, price in lines)
    response = {"order_id": minute, "total": subtotal if total is None else total}
    if status == 422:
        response = {"error": "invalid_promo"}
    return call(
        at(12, minute),
        session,
        method="POST",
        endpoint="/api/v1/orders",
        status=status,
        request=request,
        response=response,
    )


def test_orders_discounts_and_refusals_by_code(warehouse: Warehouse, settings: Settings) -> None:
    calls = [
        # WELCOME10 twice: 10 % off 2 x 100 and off 300.
        order(1, "a", [(2, 100)], "WELCOME10", total=180),
        order(2, "b", [(1, 300)], "WELCOME10", total=270),
        # A refused code, then the same order without one.
        order(3, "c", [(1, 50)], "FREESHIP", status=422),
        order(4, "c", [(1, 50)]),
        # A code refused twice and never used; a server error counts nowhere.
        order(5, "d", [(1, 80)], "BOGUS", status=422),
        order(6, "d", [(1, 80)], "BOGUS", status=422),
        order(7, "e", [(1, 90)], "JEWEL5", status=503),
        # A crawler's order is left out.
        {**order(8, "bot", [(1, 40)], "JEWEL5", total=38), "user_agent": GOOGLEBOT},
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT promo, orders, revenue, discount, average_order_value, refused "
        "FROM dwh.daily_promos WHERE date = {day:Date} ORDER BY promo",
        {"day": DAY},
    )
    assert rows == [
        {"promo": "", "orders": 1, "revenue": 50.0, "discount": 0.0,
         "average_order_value": 50.0, "refused": 0},
        {"promo": "BOGUS", "orders": 0, "revenue": 0.0, "discount": 0.0,
         "average_order_value": 0.0, "refused": 2},
        {"promo": "FREESHIP", "orders": 0, "revenue": 0.0, "discount": 0.0,
         "average_order_value": 0.0, "refused": 1},
        {"promo": "WELCOME10", "orders": 2, "revenue": 450.0, "discount": 50.0,
         "average_order_value": 225.0, "refused": 0},
    ]  # fmt: skip
