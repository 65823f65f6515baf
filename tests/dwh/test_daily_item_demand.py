"""dwh.daily_item_demand: people's demand for each item and its stock-outs, from hand-written
calls and stock histories (the simulator's truth: tests/dwh/test_daily_item_demand_simulated.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, cart_add, load

COUNTS = (
    "views, views_out_of_stock, visits_out_of_stock, cart_adds, cart_attempts_out_of_stock, "
    "purchased_qty, revenue"
)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def stock_versions(warehouse: Warehouse, item_id: int, steps: list[tuple]) -> None:
    """Versions 1, 2... of an item's stock: `(valid_from, quantity)`, or `(valid_from, quantity,
    True)` for a deletion version (the key gone from the source)."""
    rows = [
        {"item_id": item_id, "quantity": step[1], "updated_at": step[0], "valid_from": step[0],
         "version": n, "is_deleted": int(len(step) > 2 and step[2])}
        for n, step in enumerate(steps, start=1)
    ]  # fmt: skip
    for row in rows:
        warehouse.command(
            "INSERT INTO history.stock_versions (item_id, quantity, updated_at, valid_from, "
            "version, row_hash, is_deleted, snapshot_id) VALUES ({item_id:Int64}, "
            "{quantity:Int64}, {updated_at:DateTime64(3, 'UTC')}, {valid_from:DateTime64(3, 'UTC')}, "
            "{version:UInt32}, 0, {is_deleted:UInt8}, 0)",
            row,
        )


def item_versions(warehouse: Warehouse, item_id: int, section: str, prices: list[tuple]) -> None:
    """Versions of a catalog item: `(valid_from, price)` each."""
    for n, (valid_from, price) in enumerate(prices, start=1):
        warehouse.command(
            "INSERT INTO history.items_versions (id, sku, section, material, price, updated_at, "
            "valid_from, version, row_hash, is_deleted, snapshot_id) VALUES ({id:Int64}, 'S', "
            "{section:String}, 'gold', {price:Int64}, {at:DateTime64(3, 'UTC')}, "
            "{at:DateTime64(3, 'UTC')}, {version:UInt32}, 0, 0, 0)",
            {"id": item_id, "section": section, "price": price, "at": valid_from, "version": n},
        )


def minutes(warehouse: Warehouse, day: date) -> dict[int, float]:
    rows = warehouse.rows(
        "SELECT item_id, out_of_stock_minutes FROM dwh.daily_item_demand WHERE date = {day:Date}",
        {"day": day},
    )
    return {row["item_id"]: row["out_of_stock_minutes"] for row in rows}


def test_out_of_stock_minutes_read_the_stock_versions_as_steps(
    warehouse: Warehouse, settings: Settings
) -> None:
    before, after = DAY - timedelta(days=1), DAY + timedelta(days=1)
    stock_versions(warehouse, 1, [(utc(before, 8), 4), (utc(DAY, 10), 0), (utc(DAY, 14, 30), 6)])
    # Out from 22:00 the day before until 03:00.
    stock_versions(warehouse, 2, [(utc(before, 8), 1), (utc(before, 22), 0), (utc(DAY, 3), 5)])
    stock_versions(warehouse, 3, [(utc(before, 8), 5), (utc(DAY, 9), 3)])  # never out
    stock_versions(warehouse, 4, [(utc(before, 8), 0)])  # out all day
    # Out until 06:00, restocked, out again from 20:00; the restock at midnight is the next day's.
    stock_versions(
        warehouse, 5, [(utc(before, 8), 0), (utc(DAY, 6), 2), (utc(DAY, 20), 0), (utc(after, 0), 9)]
    )
    # No version before noon: unknown until then, then out.
    stock_versions(warehouse, 6, [(utc(DAY, 12), 0)])
    # Out from 16:00, gone from the source at 18:00 (a deletion version: unknown).
    stock_versions(warehouse, 7, [(utc(before, 8), 0), (utc(DAY, 16), 0), (utc(DAY, 18), 0, True)])
    for day in (before, DAY, after):
        build_day(warehouse, settings, day)
    assert minutes(warehouse, before) == {2: 120.0, 4: 960.0, 5: 960.0, 7: 960.0}
    assert minutes(warehouse, DAY) == {
        1: 270.0, 2: 180.0, 4: 1440.0, 5: 600.0, 6: 720.0, 7: 1080.0
    }  # fmt: skip
    assert minutes(warehouse, after) == {4: 1440.0, 6: 1440.0}
    # Rows of stock-outs alone count no demand.
    demand = warehouse.rows(f"SELECT DISTINCT {COUNTS} FROM dwh.daily_item_demand")
    assert demand == [dict.fromkeys(COUNTS.split(", "), 0) | {"revenue": 0.0}]


def test_out_of_stock_minutes_of_a_day_with_a_clock_change(
    warehouse: Warehouse, settings: Settings
) -> None:
    """Paris leaves summer time on 2026-10-25: the business day lasts 25 hours."""
    paris = settings.model_copy(update={"timezone": "Europe/Paris"})
    day = date(2026, 10, 25)
    stock_versions(warehouse, 1, [(utc(day, 0) - timedelta(days=3), 0)])
    # Out from the local midnight (22:00 UTC) until 07:00 local (06:00 UTC): 8 hours elapsed.
    stock_versions(
        warehouse, 2, [(utc(day, 0) - timedelta(days=3), 1), (utc(day, 0) - timedelta(hours=2), 0),
                       (utc(day, 6), 3)]
    )  # fmt: skip
    build_day(warehouse, paris, day)
    assert minutes(warehouse, day) == {1: 1500.0, 2: 480.0}


def page(minute: int, session: str, product_id: int, stock: int, status: int = 200) -> dict:
    """A product page at 12:`minute` answering with the item's stock."""
    response = {"id": product_id, "price": 99, "stock": stock}
    return call(at(12, minute), session, endpoint=f"/api/v1/products/{product_id}",
                status=status, response=response if status < 400 else {"error": "not_found"})  # fmt: skip


def order(minute: int, session: str, product_id: int, qty: int, price: int) -> dict:
    request = {"items": [{"product_id": product_id, "qty": qty, "price": price}]}
    return call(at(12, minute), session, method="POST", endpoint="/api/v1/orders",
                request=request, response={"order_id": minute, "total": qty * price})  # fmt: skip


def test_views_out_of_stock_and_refused_cart_adds_by_item(
    warehouse: Warehouse, settings: Settings
) -> None:
    calls = [
        # A visit sees item 7 out of stock twice and is refused it; it buys item 8.
        page(1, "a", 7, 0),
        page(2, "a", 7, 0),
        {**cart_add(3, 7, status=409), "session_id": "a"},
        page(4, "a", 8, 3),
        {**cart_add(5, 8), "session_id": "a"},
        order(6, "a", 8, 1, 99),
        # Another visit sees it out of stock, then back in stock.
        page(10, "b", 7, 0),
        page(11, "b", 7, 2),
        # A page not found and a cart add that failed on the server count nowhere.
        page(20, "c", 9, 0, status=404),
        {**cart_add(21, 9, status=503), "session_id": "c"},
        # A crawler's view is left out.
        {**page(30, "bot", 7, 0), "user_agent": GOOGLEBOT},
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        f"SELECT item_id, {COUNTS}, out_of_stock_minutes, price, lost_revenue_estimate "
        "FROM dwh.daily_item_demand ORDER BY item_id"
    )
    no_history = {"out_of_stock_minutes": 0.0, "price": 0.0, "lost_revenue_estimate": 0.0}
    assert rows == [
        {"item_id": 7, "views": 4, "views_out_of_stock": 3, "visits_out_of_stock": 2,
         "cart_adds": 0, "cart_attempts_out_of_stock": 1, "purchased_qty": 0, "revenue": 0.0,
         **no_history},
        {"item_id": 8, "views": 1, "views_out_of_stock": 0, "visits_out_of_stock": 0,
         "cart_adds": 1, "cart_attempts_out_of_stock": 0, "purchased_qty": 1, "revenue": 99.0,
         **no_history},
    ]  # fmt: skip
