"""Shared fixtures: settings in a temporary directory, a real chDB warehouse, the MariaDB server,
and the shop's production database linked to a warehouse. Helpers are in tests/helpers/.

chDB opens one data directory per process at a time, so each test gets its own directory and the
fixture closes it afterwards (a test that needs the warehouse again reopens the same path).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from loupe.schema.ddl import DDL
from loupe.schema.init import initialise
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.mariadb import MariaDB
from tests.helpers.shop import Shop, add_names, fill
from tests.helpers.small_disk import SmallDisk, mount_small_disk

# Long-running commands serve ClickHouse's HTTP interface on 8123 by default: tests that start
# them (in parallel, beside other work on the machine) turn it off unless they test it.
os.environ.setdefault("LOUPE_HTTP_INTERFACE_PORT", "0")


@pytest.fixture
def loupe_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every Loupe path at `tmp_path` through the environment (as a user would)."""
    for name in (
        "LOUPE_DATA_DIR",
        "LOUPE_SPOOL_DIR",
        "LOUPE_PRODUCTION_URL",
        "LOUPE_ENGINE",
        "LOUPE_COLLECTOR_TOKEN",
        "LOUPE_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOUPE_DATA_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("LOUPE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", "")
    return tmp_path


@pytest.fixture
def settings(loupe_env: Path) -> Settings:
    return load_settings()


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[Warehouse]:
    """A fresh, migrated embedded warehouse, closed after the test."""
    with open_warehouse(settings) as opened:
        migrate(opened, DDL())
        yield opened


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmallDisk]:
    """A 40 MB tmpfs (tests/helpers/small_disk.py), unmounted after the test."""
    disk = mount_small_disk(
        tmp_path / "small-disk", 40, request.node.nodeid, request.config.rootpath
    )
    try:
        yield disk
    finally:
        disk.unmount()


@pytest.fixture
def mariadb() -> Iterator[MariaDB]:
    """A fresh database and user on the MariaDB server at 127.0.0.1:3306 (over TCP)."""
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    except pymysql.err.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"MariaDB not reachable at 127.0.0.1:3306: {exc}")
    suffix = uuid.uuid4().hex[:10]
    server = MariaDB("127.0.0.1", 3306, f"loupe_test_{suffix}", f"loupe_{suffix}", f"pw-{suffix}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {server.database}")
        for host in ("localhost", "127.0.0.1", "%"):
            cursor.execute(
                "CREATE USER %s@%s IDENTIFIED BY %s", (server.user, host, server.password)
            )
            cursor.execute(f"GRANT ALL ON {server.database}.* TO %s@%s", (server.user, host))
    try:
        yield server
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {server.database}")
            for host in ("localhost", "127.0.0.1", "%"):
                cursor.execute("DROP USER IF EXISTS %s@%s", (server.user, host))
        admin.close()


@pytest.fixture(params=["sqlite", "mariadb"])
def shop(request: pytest.FixtureRequest, loupe_env: Path) -> Shop:
    """The production tables, empty, on SQLite and (second run) on MariaDB over TCP: a test that
    takes it runs once per engine."""
    if request.param == "sqlite":
        path = loupe_env / "shop.sqlite"
        created = Shop("sqlite", f"sqlite:///{path}", lambda: sqlite3.connect(path))
    else:
        server: MariaDB = request.getfixturevalue("mariadb")
        created = Shop("mariadb", server.url, server.connect)
    created.create_tables()
    return created


@pytest.fixture
def named_shop(shop: Shop) -> Shop:
    """The shop of `fill` whose items have a `name` column (`add_names`), added before a test's
    `linked` warehouse links it (request it first)."""
    fill(shop)
    add_names(shop)
    return shop


@pytest.fixture
def linked_settings(shop: Shop) -> Settings:
    return load_settings(production_url=shop.url)


@pytest.fixture
def linked(linked_settings: Settings) -> Iterator[Warehouse]:
    """A fresh warehouse, migrated, with the production database linked as `mysql`."""
    with open_warehouse(linked_settings) as warehouse:
        initialise(linked_settings, warehouse)
        yield warehouse
