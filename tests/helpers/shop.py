"""The shop's production database in the tests, on SQLite or on MariaDB over TCP.

`Shop.execute` takes `?` placeholders on both (they become `%s` for pymysql).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

# The time of every row `fill` and `fill_orders` write, and the statements they use.
T = "2026-11-20 10:00:00.000"
ITEM = f"INSERT INTO items VALUES (?, ?, 'rings', 'gold', NULL, NULL, NULL, ?, NULL, '{T}')"
CART = f"INSERT INTO cart VALUES (?, ?, NULL, 's', ?, 100, '{T}', '{T}')"
# The names `add_names` gives: item 2 has none (NULL), item 3 a blank one.
NAMES = {1: "Bague «Aurore», or 750", 3: "  "}
SCHEMA = resources.files("loupe.simulate").joinpath("shopdb_schema.sql").read_text()


@dataclass
class Shop:
    """The production database of one test: its URL and a way to change it."""

    kind: str
    url: str
    connect: Any

    def execute(self, sql: str, *rows: tuple) -> None:
        """Run one statement, once per row of parameters (or once without)."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            statement = sql.replace("?", "%s") if self.kind == "mariadb" else sql
            for params in rows or [()]:
                cursor.execute(statement, params)
            connection.commit()
        finally:
            connection.close()

    def fetch(self, sql: str) -> list[tuple]:
        """All rows of a query, as tuples."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()

    def create_tables(self) -> None:
        """The simulator's production tables, empty."""
        body = "\n".join(line for line in SCHEMA.splitlines() if not line.startswith("--"))
        for statement in body.split(";"):
            if statement.strip():
                self.execute(statement)


def fill(shop: Shop) -> None:
    """Three items with their stock, two carts and a session's, three favorites."""
    shop.execute(ITEM, (1, "R-1", 100), (2, "R-2", 200), (3, "R-3", 300))
    shop.execute(f"INSERT INTO stock VALUES (?, ?, '{T}')", (1, 5), (2, 1), (3, 0))
    shop.execute(CART, ("u:1", 1, 2), ("u:2", 1, 1), ("s:x", 2, 3))
    shop.execute(f"INSERT INTO favorites VALUES (?, ?, '{T}')", (1, 1), (2, 1), (1, 3))


def add_names(shop: Shop) -> None:
    """A `name` column on the items of `fill` (the simulator's have none), with `NAMES`."""
    shop.execute("ALTER TABLE items ADD COLUMN name VARCHAR(200) NULL")
    shop.execute("UPDATE items SET name = ? WHERE id = ?", *[(n, i) for i, n in NAMES.items()])


def fill_orders(shop: Shop) -> None:
    """Two orders, at 23:30 UTC on the 20th (the 21st in Paris) and on the 21st, of three lines."""
    shop.execute(
        "INSERT INTO orders VALUES (?, 7, 's', ?, 'created', ?, 0, ?, NULL)",
        (10, "2026-11-20 23:30:00.000", 300, 300),
        (11, "2026-11-21 08:00:00.000", 100, 100),
    )
    shop.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", (10, 1, 1, 100), (10, 2, 1, 200))
    shop.execute("INSERT INTO order_items VALUES (11, 1, 1, 100)")


def remove_an_order_and_an_item(shop: Shop) -> None:
    """Order 11 and its line gone, and item 3."""
    shop.execute("DELETE FROM order_items WHERE order_id = 11")
    shop.execute("DELETE FROM orders WHERE id = 11")
    shop.execute("DELETE FROM items WHERE id = 3")
