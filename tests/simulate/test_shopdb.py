"""The production database agrees with the traffic, on SQLite and on MariaDB over TCP."""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict

import pytest

from loupe.simulate.catalog import build_catalog
from loupe.simulate.shopdb import DatabaseUrl, redact
from tests.helpers.recount import split_visits
from tests.helpers.simulation import Run, simulate


def replay(records: list[dict]) -> dict:
    """The shop state the successful calls imply, replayed visit by visit in start order."""
    carts: dict[tuple[str, int], int] = {}
    favorites: set[tuple[int, int]] = set()
    orders: dict[int, tuple[int, int]] = {}
    order_items: set[tuple[int, int, int, int]] = set()
    purchased: dict[int, int] = defaultdict(int)
    for calls in split_visits(records):
        for call in calls:
            if call["status"] >= 400:
                continue
            method, endpoint, user_id = call["method"], call["endpoint"], call["user_id"]
            key = f"u:{user_id}" if user_id is not None else f"s:{call['session_id']}"
            request, response = call["request"], call["response"]
            if endpoint in ("/api/v1/auth/login", "/api/v1/auth/register"):
                user_key = f"u:{response['user_id']}"
                for (cart_key, item_id), qty in list(carts.items()):
                    if cart_key == key:
                        del carts[(cart_key, item_id)]
                        carts[(user_key, item_id)] = carts.get((user_key, item_id), 0) + qty
            elif method == "POST" and endpoint == "/api/v1/cart":
                line = (key, request["product_id"])
                carts[line] = carts.get(line, 0) + request["qty"]
                assert carts[line] == response["qty"]
            elif method == "DELETE" and endpoint.startswith("/api/v1/cart/"):
                del carts[(key, int(endpoint.rsplit("/", 1)[1]))]
            elif method == "POST" and endpoint == "/api/v1/favorites":
                favorites.add((user_id, request["product_id"]))
            elif method == "DELETE" and endpoint.startswith("/api/v1/favorites/"):
                favorites.discard((user_id, int(endpoint.rsplit("/", 1)[1])))
            elif method == "POST" and endpoint == "/api/v1/orders":
                orders[response["order_id"]] = (user_id, response["total"])
                for line in request["items"]:
                    item = (response["order_id"], line["product_id"], line["qty"], line["price"])
                    order_items.add(item)
                    purchased[line["product_id"]] += line["qty"]
                    carts.pop((key, line["product_id"]), None)
    return {
        "cart": carts,
        "favorites": favorites,
        "orders": orders,
        "order_items": order_items,
        "purchased": purchased,
    }


def read_tables(connection) -> dict:
    cursor = connection.cursor()

    def rows(sql: str) -> list[tuple]:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]

    return {
        "cart": {(k, i): q for k, i, q in rows("SELECT cart_key, item_id, qty FROM cart")},
        "favorites": set(rows("SELECT user_id, item_id FROM favorites")),
        "orders": {o: (u, t) for o, u, t in rows("SELECT id, user_id, total FROM orders")},
        "order_items": set(rows("SELECT order_id, item_id, qty, price FROM order_items")),
        "stock": dict(rows("SELECT item_id, quantity FROM stock")),
        "items": rows("SELECT id, price, old_price, updated_at FROM items ORDER BY id"),
        "users": rows("SELECT id, email FROM users ORDER BY id"),
    }


def check_agrees(run: Run, tables: dict, one_day: bool) -> None:
    expected = replay(run.records())
    for name in ("cart", "favorites", "orders", "order_items"):
        assert tables[name] == expected[name], name
    assert len(tables["orders"]) == run.summary.orders > 0
    assert sum(total for _, total in tables["orders"].values()) == run.summary.revenue
    assert tables["cart"] and tables["favorites"]
    assert any(key.startswith("s:") for key, _ in tables["cart"])  # guests' carts
    assert all(qty >= 0 for qty in tables["stock"].values())
    if one_day:
        # Within a day, stock is the initial stock less what was bought, plus at most the
        # 13:00 delivery of 3 to 25 units.
        items = build_catalog(run.options.items, random.Random(f"{run.options.seed}:catalog"))
        initial = {item.id: item.stock for item in items}
        assert expected["purchased"]
        for item_id, quantity in tables["stock"].items():
            delivered = quantity - (initial[item_id] - expected["purchased"].get(item_id, 0))
            assert delivered == 0 or 3 <= delivered <= 25, item_id


def test_sqlite_agrees_with_traffic(small_run):
    with sqlite3.connect(small_run.db_path) as connection:
        tables = read_tables(connection)
    check_agrees(small_run, tables, one_day=False)
    # Repricing between days: some items changed price after the run started.
    start = small_run.options.start.isoformat()
    assert sum(updated_at >= start for *_, updated_at in tables["items"]) > 0


def test_sqlite_stock_after_one_day(tmp_path):
    run = simulate(tmp_path, days=1, visits_per_day=500)
    with sqlite3.connect(run.db_path) as connection:
        check_agrees(run, read_tables(connection), one_day=True)


@pytest.mark.mariadb
def test_mariadb_matches_sqlite(tmp_path, mariadb):
    lite = simulate(tmp_path / "lite", days=2, visits_per_day=200)
    maria = simulate(tmp_path / "maria", days=2, visits_per_day=200, db_url=mariadb.url)
    assert maria.lines() == lite.lines()
    connection = mariadb.connect()
    try:
        maria_tables = read_tables(connection)
    finally:
        connection.close()
    check_agrees(maria, maria_tables, one_day=False)
    with sqlite3.connect(lite.db_path) as connection:
        lite_tables = read_tables(connection)
    for name in ("cart", "favorites", "orders", "order_items", "stock", "users"):
        assert maria_tables[name] == lite_tables[name], name
    as_text = [(i, p, o, f"{u:%Y-%m-%d %H:%M:%S.%f}"[:23]) for i, p, o, u in maria_tables["items"]]
    assert as_text == [(i, p, o, u[:23]) for i, p, o, u in lite_tables["items"]]


@pytest.mark.mariadb
def test_mariadb_rerun_is_idempotent(tmp_path, mariadb):
    first = simulate(tmp_path / "a", days=1, visits_per_day=150, db_url=mariadb.url)
    connection = mariadb.connect()
    try:
        before = read_tables(connection)
        simulate(tmp_path / "b", days=1, visits_per_day=150, db_url=mariadb.url, replace_db=True)
        after = read_tables(connection)
    finally:
        connection.close()
    assert before == after
    assert len(after["orders"]) == first.summary.orders


def test_database_urls():
    assert DatabaseUrl.parse("sqlite:///.loupe/shop.sqlite").path.as_posix() == ".loupe/shop.sqlite"
    assert DatabaseUrl.parse("sqlite:////tmp/shop.db").path.as_posix() == "/tmp/shop.db"
    parsed = DatabaseUrl.parse("mysql://shop:p%40ss@db.example:3307/shop")
    assert (parsed.kind, parsed.host, parsed.port) == ("mysql", "db.example", 3307)
    assert (parsed.user, parsed.password, parsed.database) == ("shop", "p@ss", "shop")
    assert redact("mysql://shop:secret@db:3306/shop") == "mysql://shop:***@db:3306/shop"
    with pytest.raises(ValueError):
        DatabaseUrl.parse("postgres://x/y")


def test_database_is_committed_day_by_day(tmp_path):
    """After day D the database holds the orders of the visits of days up to D (for snapshots)."""
    db_path = tmp_path / "shop.sqlite"
    orders_after_day: list[int] = []

    def count_orders(day: str) -> None:
        with sqlite3.connect(db_path) as connection:
            orders_after_day.append(connection.execute("SELECT count(*) FROM orders").fetchone()[0])

    run = simulate(tmp_path, on_day_done=count_orders)
    per_day = [row["orders"] for row in run.truth("days.ndjson")]
    assert orders_after_day == [sum(per_day[: n + 1]) for n in range(len(per_day))]
    assert orders_after_day[0] > 0
