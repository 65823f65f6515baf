"""The shop's production database in the tests, on SQLite or on MariaDB over TCP.

`Shop.execute` takes `?` placeholders on both (they become `%s` for pymysql).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

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
