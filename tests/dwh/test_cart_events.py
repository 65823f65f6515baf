"""dwh.cart_events: every change the shop's API made to a cart, from hand-written calls (the
episodes they make up: tests/dwh/test_carts.py)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, load
from tests.helpers.carts import add, login, moment, order, remove

COLUMNS = "session_id, user_id, ts, cart_key, event, product_id, qty, line_qty, price"


def test_adds_removals_logins_and_order_lines(warehouse: Warehouse, settings: Settings) -> None:
    calls = [
        add(moment(10), "g", 1, 2, 2, 100),
        add(moment(10, 1), "g", 1, 1, 3, 100),
        add(moment(10, 2), "g", 2, 1, 0, 0, status=409),  # refused: no change
        remove(moment(10, 3), "g", 2, status=404),  # not in the cart: no change
        login(moment(10, 4), "g", 5),
        add(moment(10, 5), "g", 2, 1, 1, 250, user=5),
        remove(moment(10, 6), "g", 2, user=5),
        order(moment(10, 7), "g", 5, [(1, 3, 110)]),
        # A crawler's cart is a cart too.
        {**add(moment(11), "bot", 4, 1, 1, 40), "user_agent": GOOGLEBOT},
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        f"SELECT {COLUMNS} FROM dwh.cart_events WHERE date = {{day:Date}} ORDER BY ts",
        {"day": DAY},
    )

    def row(minute: int, session: str, user: int, key: str, event: str, product: int,
            qty: int, line_qty: int, price: float, hour: int = 10) -> dict:  # fmt: skip
        values = (session, user, moment(hour, minute), key, event, product, qty, line_qty, price)
        return dict(zip(COLUMNS.split(", "), values))

    assert rows == [
        row(0, "g", 0, "s:g", "add", 1, 2, 2, 100.0),
        row(1, "g", 0, "s:g", "add", 1, 1, 3, 100.0),
        row(4, "g", 5, "u:5", "merge", 0, 0, 0, 0.0),
        row(5, "g", 5, "u:5", "add", 2, 1, 1, 250.0),
        row(6, "g", 5, "u:5", "remove", 2, 0, 0, 0.0),
        row(7, "g", 5, "u:5", "order", 1, 3, 0, 110.0),
        row(0, "bot", 0, "s:bot", "add", 4, 1, 1, 40.0, hour=11),
    ]
    visits = warehouse.scalar("SELECT groupUniqArray(visit_id) FROM dwh.cart_events")
    assert sorted(visits) == sorted(
        warehouse.scalar("SELECT groupArray(visit_id) FROM dwh.sessions")
    )
