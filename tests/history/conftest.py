"""A production database on SQLite and on MariaDB over TCP, and a warehouse linked to it.

Tests that take the `shop` fixture run once per engine. `shop.execute` takes `?` placeholders on
both (they become `%s` for pymysql).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from loupe.schema.init import initialise
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.conftest import MariaDB

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


@pytest.fixture(params=["sqlite", "mariadb"])
def shop(request: pytest.FixtureRequest, loupe_env: Path) -> Shop:
    """The production tables, empty, on SQLite and (second run) on MariaDB over TCP."""
    if request.param == "sqlite":
        path = loupe_env / "shop.sqlite"
        created = Shop("sqlite", f"sqlite:///{path}", lambda: sqlite3.connect(path))
    else:
        server: MariaDB = request.getfixturevalue("mariadb")
        created = Shop("mariadb", server.url, server.connect)
    created.create_tables()
    return created


@pytest.fixture
def linked_settings(shop: Shop) -> Settings:
    return load_settings(production_url=shop.url)


@pytest.fixture
def linked(linked_settings: Settings) -> Iterator[Warehouse]:
    """A fresh warehouse, migrated, with the production database linked as `mysql`."""
    with open_warehouse(linked_settings) as warehouse:
        initialise(linked_settings, warehouse)
        yield warehouse
